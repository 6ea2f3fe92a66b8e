using System.Data.Common;
using Dapper;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// A prescription's status, holder and history (GET /v1/prescriptions/{id}), for the issuing clinic and the holding pharmacy;
/// for a refill (リフィル) its uses and next window, for a sheet of a split instruction (分割指示) which part it is and its siblings.
/// Anyone else gets PRESCRIPTION_NOT_FOUND, so the answer never tells whether an ID exists.
/// </summary>
public static class GetStatus
{
    public sealed record Holder(string ClientId, string Name, string? InstitutionCode);

    /// <summary>A refill prescription's uses: <see cref="Window"/> is when the next use may be received (due date ± 7 days).</summary>
    public sealed record RefillStatus(int TotalUses, int UsesDone, DateOnly? NextDueOn, RefillWindow? Window);

    /// <summary>A sheet of a doctor's split instruction: part <see cref="Part"/> of <see cref="Of"/>, and the other sheets registered so far.</summary>
    public sealed record SplitStatus(int Part, int Of, IReadOnlyList<string> Siblings);

    public sealed record Response(
        string PrescriptionId,
        string Status,
        string InstitutionCode,
        DateOnly IssuedOn,
        DateOnly ExpiresOn,
        DateTime RegisteredAt,
        /// <summary>Only for the issuing clinic, which printed it on the slip.</summary>
        string? ExchangeCode,
        Holder? Holder,
        IReadOnlyList<HistoryEntry> History,
        /// <summary>The last date it may still be received or dispensed (Japan time); null once settled or a part was dispensed.</summary>
        DateOnly? ValidThrough,
        /// <summary>Parts (分割調剤) dispensed in the current use.</summary>
        int PartsDispensed,
        RefillStatus? Refill,
        SplitStatus? Split);

    internal sealed class Handler(PrescriptionStore store)
    {
        public async Task<Response> HandleAsync(string id, Caller caller, CancellationToken cancellationToken = default)
        {
            var row = await LoadVisibleAsync(store, id, caller, cancellationToken);
            await store.ExpireIfDueAsync(row, caller.CorrelationId, cancellationToken);

            await using var connection = await store.Database.OpenAsync(cancellationToken);
            var history = await store.HistoryAsync(connection, row.Id);
            var state = row.State;
            var holder = state.Holder is { } h ? new Holder(h.ClientId, h.Name, h.InstitutionCode) : null;
            var refill = state.IsRefill ? new RefillStatus(state.TotalUses, state.UsesDone, state.NextDueOn, state.Window) : null;
            var split = row is { SplitPart: { } part, SplitOf: { } of } ? new SplitStatus(part, of, await SiblingsAsync(connection, row)) : null;
            return new Response(PrescriptionId.Parse(row.Id).ToString(), row.Status, row.InstitutionCode, row.IssuedOn, row.ExpiresOn,
                row.RegisteredAt, row.ClinicClientId == caller.ClientId ? row.ExchangeCode : null, holder, history, state.ValidThrough,
                state.PartsDone, refill, split);
        }

    }

    /// <summary>The other sheets of the same split instruction: same clinic, patient, issue date and number of parts.</summary>
    internal static async Task<IReadOnlyList<string>> SiblingsAsync(DbConnection connection, PrescriptionRow row) =>
            (await connection.QueryAsync<(string Id, int Part)>(
                """
                SELECT id, split_part FROM prescriptions
                WHERE patient_key = @patientKey AND issued_on = @issuedOn AND clinic_client_id = @clinic AND split_of = @of AND id <> @id
                """,
                new { patientKey = row.PatientKey, issuedOn = row.IssuedOn, clinic = row.ClinicClientId, of = row.SplitOf, id = row.Id }))
            .OrderBy(s => s.Part).Select(s => PrescriptionId.Parse(s.Id).ToString()).ToList();

    /// <summary>The row, if the caller is its issuing clinic or its holding pharmacy; else PRESCRIPTION_NOT_FOUND.</summary>
    internal static async Task<PrescriptionRow> LoadVisibleAsync(PrescriptionStore store, string id, Caller caller, CancellationToken cancellationToken)
    {
        if (PrescriptionId.TryParse(id, out var parsed))
        {
            await using var connection = await store.Database.OpenAsync(cancellationToken);
            var row = await store.FindAsync(connection, null, parsed.Value);
            if (row is not null && (row.ClinicClientId == caller.ClientId || row.HolderClientId == caller.ClientId)) return row;
        }
        throw NotFound(id);
    }

    internal static DomainException NotFound(string id) =>
        new(ErrorCodes.PrescriptionNotFound, $"No prescription '{Clip(id)}' is visible to you. Check the prescription ID (and the exchange code, where one is needed).");

    private static string Clip(string value) => value.Length > 40 ? value[..40] + "…" : value;
}
