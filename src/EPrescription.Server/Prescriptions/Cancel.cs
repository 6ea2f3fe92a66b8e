using EPrescription.Contracts;
using EPrescription.Server.Audit;
using EPrescription.Server.Outbox;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// Cancelling a prescription (取消, POST /v1/prescriptions/{id}/cancel): only the issuing clinic, only while no pharmacy holds it.
/// A cancel while a pharmacy holds it is refused with WITH_PHARMACY, naming the holder. A cancel that succeeds writes its audit
/// entry in its own transaction; refusals are audited by the edge.
/// </summary>
public static class Cancel
{
    public sealed record Response(string PrescriptionId, string Status, DateTime CancelledAt);

    internal sealed class Handler(PrescriptionStore store, TimeProvider time)
    {
        public async Task<Response> HandleAsync(string id, Caller caller, CancellationToken cancellationToken = default)
        {
            var row = await GetStatus.LoadVisibleAsync(store, id, caller, cancellationToken);
            if (row.ClinicClientId != caller.ClientId) throw GetStatus.NotFound(id);
            await store.ExpireIfDueAsync(row, caller);

            return await store.Database.InTransactionAsync(async (connection, transaction) =>
            {
                var current = await store.FindAsync(connection, transaction, row.Id) ?? throw GetStatus.NotFound(id);
                if (current.StatusValue == PrescriptionStatus.Received) throw await WithPharmacyAsync(connection, transaction, current);

                if (!await store.TryTransitionAsync(connection, transaction, current, PrescriptionAction.Cancel, caller, null))
                {
                    // Another change committed first (a concurrent cancel, a receive): refuse for the state it left.
                    var latest = await store.FindAsync(connection, transaction, row.Id) ?? throw GetStatus.NotFound(id);
                    if (latest.StatusValue == PrescriptionStatus.Received) throw await WithPharmacyAsync(connection, transaction, latest);
                    _ = Lifecycle.Next(latest.StatusValue, PrescriptionAction.Cancel); // throws CANCELLED, EXPIRED, ... for a settled state
                    throw new DomainException(ErrorCodes.WithPharmacy, "The prescription changed while it was being cancelled; look at its status and try again.");
                }

                var now = time.GetUtcNow().UtcDateTime;
                var messageId = Guid.NewGuid();
                await OutboxWriter.AddAsync(connection, transaction, messageId, caller.CorrelationId,
                    new PrescriptionCancelled(messageId, caller.CorrelationId, PrescriptionId.Parse(current.Id).ToString(), current.InstitutionCode, now), now);
                await AuditLog.WriteInTransactionAsync(connection, transaction, now, caller, AuditActions.Cancel, current.Id, "OK", 200);
                return new Response(PrescriptionId.Parse(current.Id).ToString(), current.Status, now);
            }, cancellationToken);
        }

        private static async Task<DomainException> WithPharmacyAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, PrescriptionRow row)
        {
            var holder = await Dapper.SqlMapper.QuerySingleOrDefaultAsync<GetStatus.Holder>(connection,
                "SELECT id AS ClientId, name AS Name, institution_code AS InstitutionCode FROM clients WHERE id = @id", new { id = row.HolderClientId }, transaction);
            return new DomainException(ErrorCodes.WithPharmacy,
                $"Pharmacy {holder?.Name} ({holder?.InstitutionCode}) has received this prescription; it must return it before it can be cancelled.",
                extensions: new Dictionary<string, object?> { ["holder"] = new { name = holder?.Name, institutionCode = holder?.InstitutionCode } });
        }
    }
}
