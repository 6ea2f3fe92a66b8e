using EPrescription.Contracts;
using EPrescription.Server.Audit;
using EPrescription.Server.Messaging;
using EPrescription.Server.Outbox;

namespace EPrescription.Server.Prescriptions;

/// <summary>The holding pharmacy returns a prescription it will not dispense: it is registered again, for any pharmacy.</summary>
public static class Return
{
    internal sealed class Handler(PrescriptionStore store, ProcessedMessages processed, TimeProvider time)
    {
        public Task<object> HandleAsync(ReturnPrescription command, CancellationToken cancellationToken = default) =>
            processed.HandleOnceAsync("return", command.MessageId, Pharmacies.Caller(command.PharmacyClientId, command.CorrelationId),
                AuditActions.Return, command.PrescriptionId, async (connection, transaction) =>
            {
                var pharmacy = await Pharmacies.FindAsync(connection, transaction, command.PharmacyClientId);
                if (!PrescriptionId.TryParse(command.PrescriptionId, out var id)) throw Receive.NotFound(command.PrescriptionId);
                var row = await store.FindAsync(connection, transaction, id.Value);
                // Only the holder sees it; to anyone else it does not exist.
                if (row is null || row.HolderClientId != pharmacy.ClientId) throw Receive.NotFound(command.PrescriptionId);

                var caller = new Caller(pharmacy.ClientId, "pharmacy", pharmacy.Name, pharmacy.InstitutionCode, command.CorrelationId);
                if (!await store.TryTransitionAsync(connection, transaction, row, PrescriptionAction.Return, caller, null))
                    throw new DomainException(ErrorCodes.NotHeld, "The prescription changed while it was being returned; look at its status.");

                var now = time.GetUtcNow().UtcDateTime;
                var messageId = Guid.NewGuid();
                var publicId = PrescriptionId.Parse(row.Id).ToString();
                await OutboxWriter.AddAsync(connection, transaction, messageId, command.CorrelationId,
                    new PrescriptionReturned(messageId, command.CorrelationId, publicId, pharmacy.ClientId, now), now);
                return new PrescriptionStatusChanged(command.CorrelationId, publicId, row.Status, now);
            }, cancellationToken);
    }
}
