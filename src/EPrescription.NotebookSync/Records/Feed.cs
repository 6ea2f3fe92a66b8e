using EPrescription.Server.Feeds;
using EPrescription.Server.Prescriptions;
using EPrescription.Server.Storage;

namespace EPrescription.NotebookSync.Records;

/// <summary>
/// The pull feed (GET /v1/notebook/records?after=CURSOR&amp;limit=N): the app's dispensing records in order, each with a stable id
/// for de-duplication and the JAHIS notebook document, paged by an opaque cursor so no record is skipped or repeated.
/// </summary>
public static class Feed
{
    public const int DefaultLimit = FeedPage.DefaultLimit;
    public const int MaxLimit = FeedPage.MaxLimit;

    public sealed record Record(
        string Id,
        string LinkId,
        string PrescriptionId,
        DateOnly DispensedOn,
        DateTime RecordedAt,
        string DocumentEncoding,
        string Document);

    public sealed record Page(IReadOnlyList<Record> Records, string? NextCursor, bool HasMore);

    internal sealed class Row : IFeedRow
    {
        public string Id { get; init; } = "";
        public long FeedSequence { get; init; }

        /// <summary>The commit part of the record's feed position (read by the page query only; see <see cref="CommitHorizon"/>).</summary>
        public long Commit { get; init; }
        public string LinkId { get; init; } = "";
        public string PrescriptionId { get; init; } = "";
        public DateOnly DispensedOn { get; init; }
        public DateTime CreatedAt { get; init; }
        public byte[] Document { get; init; } = [];
    }

    internal const string Columns =
        "id AS Id, feed_sequence AS FeedSequence, link_id AS LinkId, prescription_id AS PrescriptionId, dispensed_on AS DispensedOn, created_at AS CreatedAt, document AS Document";

    internal static Record ToRecord(Row row) => new(row.Id, row.LinkId, PrescriptionId.Parse(row.PrescriptionId).ToString(), row.DispensedOn,
        row.CreatedAt, "shift_jis", Convert.ToBase64String(row.Document));

    /// <summary>The feed's rows: an app's records, ordered below the commit horizon (see <see cref="CommitHorizon"/>).</summary>
    private static readonly FeedSource Source = new("notebook_records", "r", "app_client_id", Columns);

    internal sealed class Handler(Database database)
    {
        private readonly FeedOrder _order = FeedOrder.For(database.Dialect.Provider);
        private readonly string _selectPage = CommitHorizon.For(database.Dialect.Provider).SelectPage(Source);

        public async Task<Page> HandleAsync(string appClientId, string? after, string? limitText, CancellationToken cancellationToken = default)
        {
            var cursor = ParseCursor(after);
            var limit = FeedPage.Limit(limitText);

            await using var connection = await database.OpenAsync(cancellationToken);
            var position = cursor.Legacy ? await _order.FromLegacyCursorAsync(connection, appClientId, cursor.Position.Sequence) : cursor.Position;
            var (rows, last, hasMore) = await FeedPage.ReadAsync<Row>(connection, _selectPage, appClientId, position, limit);
            return new Page(rows.Select(ToRecord).ToList(), last is { } next ? Cursor(next) : after, hasMore);
        }
    }

    /// <summary>
    /// Opaque to apps: "c2." and the base64url of "commit.sequence" (see <see cref="CommitHorizon"/>). Cursors of the first
    /// format, "c1." and the base64url of a feed_sequence, were given out before migration 0005 and still continue where they were.
    /// </summary>
    internal static string Cursor(FeedPosition position) => FeedPage.Cursor("c2.", position);

    internal static (FeedPosition Position, bool Legacy) ParseCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return (new FeedPosition(0, 0), false);
        if (FeedPage.Numbers(cursor, "c2.", 2) is { } current) return (new FeedPosition(current[0], current[1]), false);
        if (FeedPage.Numbers(cursor, "c1.", 1) is { } legacy) return (new FeedPosition(0, legacy[0]), true);
        throw FeedPage.BadCursor(cursor);
    }
}
