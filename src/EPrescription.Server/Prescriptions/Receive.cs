using System.Data.Common;
using Dapper;
using EPrescription.Contracts;
using EPrescription.Server.Audit;
using EPrescription.Server.Messaging;
using EPrescription.Server.Outbox;
using EPrescription.Server.Time;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// Receiving (受付) a prescription at a pharmacy by prescription ID and exchange code: from then on it is locked to that pharmacy
/// until dispensed or returned. A wrong code answers exactly like an unknown ID and counts toward the lockout
/// (<see cref="ExchangeCodeCheck"/>). Of any number of concurrent receives exactly one wins; the others learn who holds it.
/// </summary>
public static class Receive
{
    internal sealed class Handler(PrescriptionStore store, ProcessedMessages processed, TimeProvider time)
    {
        public Task<object> HandleAsync(ReceivePrescription command, CancellationToken cancellationToken = default) =>
            processed.HandleOnceAsync("receive", command.MessageId, Pharmacies.Caller(command.PharmacyClientId, command.CorrelationId),
                AuditActions.Receive, command.PrescriptionId,
                (connection, transaction) => ReceiveAsync(connection, transaction, command), cancellationToken);

        private async Task<object> ReceiveAsync(DbConnection connection, DbTransaction transaction, ReceivePrescription command)
        {
            var pharmacy = await Pharmacies.FindAsync(connection, transaction, command.PharmacyClientId);
            if (!PrescriptionId.TryParse(command.PrescriptionId, out var id)) throw NotFound(command.PrescriptionId);

            // A few rounds at most: each round that loses a race sees the winner's state on the next.
            for (var round = 0; round < 5; round++)
            {
                var row = await store.FindAsync(connection, transaction, id.Value) ?? throw NotFound(command.PrescriptionId);
                var now = time.GetUtcNow().UtcDateTime;

                await ExchangeCodeCheck.VerifyAsync(connection, transaction, row, command.ExchangeCode, command.PrescriptionId, now);

                // Past its last valid date it expires now, whoever asks (the sweeper may not have come by yet).
                if (Lifecycle.CanApply(row.StatusValue, PrescriptionAction.Expire) && IsPastValidity(row, now))
                {
                    await store.ExpireAsync(connection, transaction, row, command.CorrelationId);
                    throw Expired(row);
                }

                if (row.HolderClientId == pharmacy.ClientId && row.StatusValue == PrescriptionStatus.Received)
                    return HandedOver(row, command.CorrelationId); // the same pharmacy asking again (a retry): same answer

                if (row.StatusValue == PrescriptionStatus.Received) throw await WithAnotherPharmacyAsync(connection, transaction, row);

                var caller = new Caller(pharmacy.ClientId, "pharmacy", pharmacy.Name, pharmacy.InstitutionCode, command.CorrelationId);
                if (!await store.TryTransitionAsync(connection, transaction, row, PrescriptionAction.Receive, caller, pharmacy.ClientId)) continue;

                var messageId = Guid.NewGuid();
                await OutboxWriter.AddAsync(connection, transaction, messageId, command.CorrelationId,
                    new PrescriptionReceived(messageId, command.CorrelationId, PrescriptionId.Parse(row.Id).ToString(), pharmacy.ClientId, pharmacy.InstitutionCode, now), now);
                return HandedOver(row, command.CorrelationId);
            }
            throw new DomainException(ErrorCodes.WithAnotherPharmacy, "The prescription is changing hands right now; try again in a moment.");
        }

        private bool IsPastValidity(PrescriptionRow row, DateTime now) => now >= JapanTime.EndOf(row.ExpiresOn);

        private static PrescriptionHandedOver HandedOver(PrescriptionRow row, Guid correlationId) => new(
            correlationId, PrescriptionId.Parse(row.Id).ToString(), row.Status, row.Document, row.DocumentEncoding, row.Signature,
            row.SignatureDetached, row.Parsed, row.Verification, row.IssuedOn, row.ExpiresOn);

        private static async Task<DomainException> WithAnotherPharmacyAsync(DbConnection connection, DbTransaction transaction, PrescriptionRow row)
        {
            var holder = await Pharmacies.FindAsync(connection, transaction, row.HolderClientId!);
            return new DomainException(ErrorCodes.WithAnotherPharmacy,
                $"Pharmacy {holder.Name} ({holder.InstitutionCode}) has already received this prescription.",
                extensions: new Dictionary<string, object?> { ["holder"] = new Dictionary<string, string?> { ["name"] = holder.Name, ["institutionCode"] = holder.InstitutionCode } });
        }
    }

    internal static DomainException NotFound(string id) => GetStatus.NotFound(id);

    internal static DomainException Expired(PrescriptionRow row) =>
        new(ErrorCodes.Expired, $"The prescription was valid through {row.ExpiresOn:yyyy-MM-dd} (Japan time) and can no longer be dispensed.");
}

/// <summary>A pharmacy client as the pharmacy use cases need it.</summary>
internal sealed record PharmacyRef(string ClientId, string Name, string? InstitutionCode);

internal static class Pharmacies
{
    /// <summary>The pharmacy a command came from, as the audit log names it.</summary>
    public static Caller Caller(string clientId, Guid correlationId) => new(clientId, "pharmacy", "", null, correlationId);

    public static async Task<PharmacyRef> FindAsync(DbConnection connection, DbTransaction transaction, string clientId) =>
        await connection.QuerySingleOrDefaultAsync<PharmacyRef>(
            "SELECT id AS ClientId, name AS Name, institution_code AS InstitutionCode FROM clients WHERE id = @clientId AND role = 'pharmacy'",
            new { clientId }, transaction)
        ?? throw new DomainException(ErrorCodes.Forbidden, "Only a registered pharmacy client may receive, return or dispense prescriptions.");
}
