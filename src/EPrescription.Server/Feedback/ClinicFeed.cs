using System.Text.Json;
using System.Text.Json.Serialization;
using EPrescription.Server.Feeds;
using EPrescription.Server.Prescriptions;
using EPrescription.Server.Storage;

namespace EPrescription.Server.Feedback;

/// <summary>The pharmacy a dispensing or an event names: its name and 10-digit institution code.</summary>
public sealed record DispensingPharmacy(string Name, string? InstitutionCode);

/// <summary>
/// The clinic event feed (GET /v1/clinic/events?after=CURSOR&amp;limit=N): what became of the calling clinic's prescriptions,
/// in commit order, so a clinic system polls one cursor instead of every prescription (SPEC §11). Same cursor promise as the
/// notebook feed: no event is skipped or repeated, also when a transaction commits late (<see cref="CommitHorizon"/>).
/// </summary>
public static class ClinicFeed
{
    /// <summary>
    /// One event: <see cref="Type"/> is one of <see cref="ClinicEvents.Types"/>; the members after <see cref="At"/> are there
    /// only for the types that have them.
    /// </summary>
    /// <param name="Id">Stable: the de-duplication key.</param>
    /// <param name="Pharmacy">received, returned, dispensed: the pharmacy.</param>
    /// <param name="DispensingId">dispensed: the dispensing, as GET /v1/prescriptions/{id}/dispensings lists it.</param>
    /// <param name="DispensedOn">dispensed: the dispensing date (Japan).</param>
    /// <param name="Part">dispensed: a part (分割調剤); the prescription stays with the pharmacy.</param>
    /// <param name="Important">dispensed: the pharmacy flagged it as important for the prescriber (重要情報).</param>
    /// <param name="NoteToPrescriber">dispensed: the pharmacist's note to the prescriber, when there is one.</param>
    /// <param name="ExpiresOn">expired: the last valid date it passed.</param>
    /// <param name="Use">refill-due: the refill's use (リフィル) that may now be received.</param>
    /// <param name="NextDueOn">refill-due: the use's due date.</param>
    /// <param name="Window">refill-due: the dates it may be received (due date ± 7 days, Japan).</param>
    public sealed record Event(
        string Id,
        string Type,
        string PrescriptionId,
        DateTime At,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DispensingPharmacy? Pharmacy,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DispensingId,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateOnly? DispensedOn,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Part,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Important,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NoteToPrescriber,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateOnly? ExpiresOn,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Use = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateOnly? NextDueOn = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RefillWindow? Window = null);

    public sealed record Page(IReadOnlyList<Event> Events, string? NextCursor, bool HasMore);

    internal sealed class Row : IFeedRow
    {
        public string Id { get; init; } = "";
        public long FeedSequence { get; init; }
        public long Commit { get; init; }
        public string Type { get; init; } = "";
        public string PrescriptionId { get; init; } = "";
        public DateTime At { get; init; }
        public string Payload { get; init; } = "{}";
        public string? PharmacyName { get; init; }
        public string? PharmacyInstitutionCode { get; init; }
    }

    /// <summary>The feed's rows: a clinic's events with the name and code of the pharmacy they name.</summary>
    private static readonly FeedSource Source = new("clinic_events", "e", "clinic_client_id",
        """
        e.id AS Id, e.feed_sequence AS FeedSequence, e.type AS Type, e.prescription_id AS PrescriptionId, e.at AS At,
        e.payload AS Payload, c.name AS PharmacyName, c.institution_code AS PharmacyInstitutionCode
        """,
        "LEFT JOIN clients c ON c.id = e.pharmacy_client_id");

    internal sealed class Handler(Database database)
    {
        private readonly string _selectPage = CommitHorizon.For(database.Dialect.Provider).SelectPage(Source);

        public async Task<Page> HandleAsync(string clinicClientId, string? after, string? limitText, CancellationToken cancellationToken = default)
        {
            var position = ParseCursor(after);
            var limit = FeedPage.Limit(limitText);

            await using var connection = await database.OpenAsync(cancellationToken);
            var (rows, last, hasMore) = await FeedPage.ReadAsync<Row>(connection, _selectPage, clinicClientId, position, limit);
            return new Page(rows.Select(ToEvent).ToList(), last is { } next ? Cursor(next) : after, hasMore);
        }
    }

    private static Event ToEvent(Row row)
    {
        var payload = JsonSerializer.Deserialize<ClinicEvents.Payload>(row.Payload, ClinicEvents.Payload.Json) ?? ClinicEvents.Payload.None;
        return new Event(row.Id, row.Type, PrescriptionId.Parse(row.PrescriptionId).ToString(), row.At,
            row.PharmacyName is null ? null : new DispensingPharmacy(row.PharmacyName, row.PharmacyInstitutionCode),
            payload.DispensingId, payload.DispensedOn, payload.Part, payload.Important, payload.NoteToPrescriber, payload.ExpiresOn,
            payload.Use, payload.NextDueOn, payload.Window);
    }

    /// <summary>Opaque to clinics: "e1." and the base64url of "commit.sequence" (see <see cref="CommitHorizon"/>).</summary>
    internal static string Cursor(FeedPosition position) => FeedPage.Cursor("e1.", position);

    private static FeedPosition ParseCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return new FeedPosition(0, 0);
        return FeedPage.Numbers(cursor, "e1.", 2) is { } numbers ? new FeedPosition(numbers[0], numbers[1]) : throw FeedPage.BadCursor(cursor);
    }
}
