using System.Data.Common;
using System.Text.Json;
using Dapper;
using EPrescription.Contracts;
using EPrescription.Server.Audit;
using EPrescription.Server.MedicationChecks;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;
using EPrescription.Server.Time;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// Receiving (受付) a prescription at a pharmacy by prescription ID and exchange code: from then on it is held by that pharmacy
/// until it dispenses (the last part, the use) or returns it. A wrong code answers exactly like an unknown ID and counts toward
/// the lockout (<see cref="ExchangeCodeCheck"/>). Of any number of concurrent receives exactly one wins: the row is locked, and
/// the others decide on the winner's state. The answer lists the parts already dispensed, so a pharmacy continuing another's
/// dispensing (継続調剤) sees them.
/// </summary>
public static class Receive
{
    internal sealed class Handler(PrescriptionStore store, ProcessedMessages processed, TimeProvider time)
    {
        private readonly MedicationStore _medications = new(time);

        public async Task<object> HandleAsync(ReceivePrescription command, CancellationToken cancellationToken = default, Delivery delivery = Delivery.Bus)
        {
            // The API checked the consent; a command from elsewhere with a value it does not know shows no details.
            var consent = MedicationConsents.TryParse(command.Consent, out var parsed) ? parsed : MedicationConsent.None;
            var duplicates = await CheckBeforehandAsync(command, consent, cancellationToken);
            return await processed.HandleOnceAsync("receive", command.MessageId, Pharmacies.Caller(command.PharmacyClientId, command.CorrelationId),
                AuditActions.Receive, command.PrescriptionId,
                (connection, transaction, batch) => ReceiveAsync(connection, transaction, batch, command, duplicates), cancellationToken,
                // The count of this request's check (a redelivered one answers as first, with the list checked then).
                reply => MedicationCheck.AuditDetail(consent, reply is PrescriptionHandedOver ? duplicates.Count : null), delivery);
        }

        /// <summary>
        /// The duplicate-medication check for the pharmacy (SPEC §10): what the patient takes besides this prescription. A read on
        /// its own connection before the receive's transaction, which on SQLite holds the one writer's turn and must not wait for
        /// it; returned only with a successful receive, so it tells nothing to a pharmacy that does not get the prescription.
        /// </summary>
        private async Task<IReadOnlyList<DuplicateMedication>> CheckBeforehandAsync(ReceivePrescription command, MedicationConsent consent,
            CancellationToken cancellationToken)
        {
            if (!PrescriptionId.TryParse(command.PrescriptionId, out var id)) return [];
            await using var connection = await store.Database.OpenAsync(cancellationToken);
            var prescription = await connection.QuerySingleOrDefaultAsync<(string PatientKey, string InstitutionCode)>(
                "SELECT patient_key, institution_code FROM prescriptions WHERE id = @id", new { id = id.Value });
            return prescription.PatientKey is null ? []
                : await MedicationCheck.ForHeldPrescriptionAsync(_medications, connection, null, id.Value, prescription.PatientKey, consent,
                    prescription.InstitutionCode, cancellationToken);
        }

        private async Task<object> ReceiveAsync(DbConnection connection, DbTransaction transaction, WriteBatch batch, ReceivePrescription command,
            IReadOnlyList<DuplicateMedication> duplicates)
        {
            if (!PrescriptionId.TryParse(command.PrescriptionId, out var id)) throw NotFound(command.PrescriptionId);
            var (client, row) = await store.LoadForChangeAsync(connection, transaction, id.Value, command.PharmacyClientId);
            var pharmacy = Pharmacies.Require(client, command.CorrelationId);
            if (row is null) throw NotFound(command.PrescriptionId);

            var now = time.GetUtcNow().UtcDateTime;
            ExchangeCodeCheck.Verify(batch, row, command.ExchangeCode, command.PrescriptionId, now);
            var decision = PrescriptionLifecycle.Decide(row.State, pharmacy.Actor, new LifecycleAction.Receive(), JapanTime.Today(time));
            store.Save(batch, row, decision, pharmacy, command.CorrelationId, now);
            decision.OrThrow();
            return HandedOver(row, command.CorrelationId, await PartsAsync(connection, transaction, row), JsonSerializer.Serialize(duplicates));
        }

        private static PrescriptionHandedOver HandedOver(PrescriptionRow row, Guid correlationId, string? parts, string duplicates) => new(
            correlationId, PrescriptionId.Parse(row.Id).ToString(), row.Status, row.Document, row.DocumentEncoding, row.Signature,
            row.SignatureDetached, row.Parsed, row.Verification, row.IssuedOn, row.ExpiresOn, row.TotalUses, row.UsesDone, parts, duplicates);

        /// <summary>The parts of the current use dispensed so far, by any pharmacy, as JSON; null when there are none.</summary>
        private static async Task<string?> PartsAsync(DbConnection connection, DbTransaction transaction, PrescriptionRow row)
        {
            if (row.PartsDone == 0) return null;
            var parts = await connection.QueryAsync<(string Id, string Name, string? InstitutionCode, DateOnly DispensedOn)>(
                """
                SELECT d.id, c.name, c.institution_code, d.dispensed_on
                FROM dispensings d JOIN clients c ON c.id = d.pharmacy_client_id
                WHERE d.prescription_id = @id AND d.use_number = @use AND d.part = @part ORDER BY d.sequence
                """, new { id = row.Id, use = row.UsesDone + 1, part = true }, transaction);
            return JsonSerializer.Serialize(parts.Select(p => new PartDispensed(p.Id, new PharmacyName(p.Name, p.InstitutionCode), p.DispensedOn)));
        }
    }

    internal static DomainException NotFound(string id) => GetStatus.NotFound(id);
}

/// <summary>A part (分割調剤) already dispensed, as the next pharmacy sees it.</summary>
public sealed record PartDispensed(string DispensingId, PharmacyName Pharmacy, DateOnly DispensedOn);

/// <summary>A pharmacy as an answer names it.</summary>
public sealed record PharmacyName(string Name, string? InstitutionCode);

internal static class Pharmacies
{
    /// <summary>The pharmacy a command came from, as the audit log names it.</summary>
    public static Caller Caller(string clientId, Guid correlationId) => new(clientId, Clients.ClientRole.Pharmacy, "", null, correlationId);

    /// <summary>The acting client, if it is a registered pharmacy; else FORBIDDEN.</summary>
    public static Caller Require(ActingClient? client, Guid correlationId) =>
        client is { IsPharmacy: true } ? client.AsCaller(correlationId)
        : throw new DomainException(ErrorCodes.Forbidden, "Only a registered pharmacy client may receive, return or dispense prescriptions.");
}
