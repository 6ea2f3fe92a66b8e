using EPrescription.Server.Audit;
using EPrescription.Server.Storage;
using EPrescription.Server.Time;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// Cancelling a prescription (取消, POST /v1/prescriptions/{id}/cancel), or the remaining uses of a refill: only the issuing
/// clinic, only while no pharmacy holds it (WITH_PHARMACY names the holder). The cancel, its history, its event and its audit
/// entry are written together; refusals are audited by the edge.
/// </summary>
public static class Cancel
{
    public sealed record Response(string PrescriptionId, string Status, DateTime CancelledAt);

    internal sealed class Handler(PrescriptionStore store, TimeProvider time)
    {
        private readonly MedicationChecks.MedicationStore _medications = new(time);

        public async Task<Response> HandleAsync(string id, Caller caller, CancellationToken cancellationToken = default)
        {
            if (!PrescriptionId.TryParse(id, out var parsed)) throw GetStatus.NotFound(id);
            DomainException? refusal = null;
            var response = await store.Database.InTransactionAsync(async (connection, transaction) =>
            {
                var (_, row) = await store.LoadForChangeAsync(connection, transaction, parsed.Value, caller.ClientId);
                if (row is null) throw GetStatus.NotFound(id);
                var now = time.GetUtcNow().UtcDateTime;
                var decision = PrescriptionLifecycle.Decide(row.State, caller.Actor, new LifecycleAction.Cancel(), JapanTime.Today(time));
                var batch = new WriteBatch();
                store.Save(batch, row, decision, caller, caller.CorrelationId, now);
                if (decision.Refusal is null)
                {
                    AuditLog.Add(batch, now, caller, AuditActions.Cancel, row.Id, "OK", 200, caller.CorrelationId);
                    _medications.EndPrescription(batch, row.Id); // a cancelled prescription no longer counts in duplicate-medication checks
                }
                await batch.ExecuteAsync(connection, transaction);
                // An expiry found on the way is committed, and the cancel refused with EXPIRED.
                refusal = decision.Refusal;
                return new Response(PrescriptionId.Parse(row.Id).ToString(), row.Status, now);
            }, cancellationToken);
            return refusal is null ? response : throw refusal;
        }
    }
}
