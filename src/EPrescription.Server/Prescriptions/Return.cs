using EPrescription.Contracts;
using EPrescription.Server.Audit;
using EPrescription.Server.Messaging;
using EPrescription.Server.Time;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// The holding pharmacy gives a prescription back without finishing its use: it is open again for any pharmacy (registered, or
/// awaiting its refill), and parts already dispensed stay with it for the next pharmacy to continue.
/// </summary>
public static class Return
{
    internal sealed class Handler(PrescriptionStore store, ProcessedMessages processed, TimeProvider time)
    {
        public Task<object> HandleAsync(ReturnPrescription command, CancellationToken cancellationToken = default, Delivery delivery = Delivery.Bus) =>
            processed.HandleOnceAsync("return", command.MessageId, Pharmacies.Caller(command.PharmacyClientId, command.CorrelationId),
                AuditActions.Return, command.PrescriptionId, async (connection, transaction, batch) =>
            {
                if (!PrescriptionId.TryParse(command.PrescriptionId, out var id)) throw Receive.NotFound(command.PrescriptionId);
                var (client, row) = await store.LoadForChangeAsync(connection, transaction, id.Value, command.PharmacyClientId);
                var pharmacy = Pharmacies.Require(client, command.CorrelationId);
                if (row is null) throw Receive.NotFound(command.PrescriptionId);

                var now = time.GetUtcNow().UtcDateTime;
                var decision = PrescriptionLifecycle.Decide(row.State, pharmacy.Actor, new LifecycleAction.Return(), JapanTime.Today(time));
                store.Save(batch, row, decision, pharmacy, command.CorrelationId, now);
                decision.OrThrow();
                return new PrescriptionStatusChanged(command.CorrelationId, PrescriptionId.Parse(row.Id).ToString(), row.Status, now);
            }, cancellationToken, delivery: delivery);
    }
}
