using Dapper;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// A prescription's status, holder and history (GET /v1/prescriptions/{id}), for the issuing clinic and the holding pharmacy.
/// Anyone else gets PRESCRIPTION_NOT_FOUND, so the answer never tells whether an ID exists.
/// </summary>
public static class GetStatus
{
    public sealed record Holder(string ClientId, string Name, string? InstitutionCode);

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
        IReadOnlyList<HistoryEntry> History);

    internal sealed class Handler(PrescriptionStore store)
    {
        public async Task<Response> HandleAsync(string id, Caller caller, CancellationToken cancellationToken = default)
        {
            var row = await LoadVisibleAsync(store, id, caller, cancellationToken);
            await store.ExpireIfDueAsync(row, caller);

            await using var connection = await store.Database.OpenAsync(cancellationToken);
            var holder = row.HolderClientId is null ? null : await connection.QuerySingleOrDefaultAsync<Holder>(
                "SELECT id AS ClientId, name AS Name, institution_code AS InstitutionCode FROM clients WHERE id = @id", new { id = row.HolderClientId });
            var history = await store.HistoryAsync(connection, row.Id);
            return new Response(PrescriptionId.Parse(row.Id).ToString(), row.Status, row.InstitutionCode, row.IssuedOn, row.ExpiresOn,
                row.RegisteredAt, row.ClinicClientId == caller.ClientId ? row.ExchangeCode : null, holder, history);
        }
    }

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
