using System.Globalization;
using System.Text;
using Dapper;
using EPrescription.Server;
using EPrescription.Server.Prescriptions;
using EPrescription.Server.Storage;

namespace EPrescription.NotebookSync.Records;

/// <summary>
/// The pull feed (GET /v1/notebook/records?after=CURSOR&amp;limit=N): the app's dispensing records in order, each with a stable id
/// for de-duplication and the JAHIS notebook document, paged by an opaque cursor so no record is skipped or repeated.
/// </summary>
public static class Feed
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public sealed record Record(
        string Id,
        string LinkId,
        string PrescriptionId,
        DateOnly DispensedOn,
        DateTime RecordedAt,
        string DocumentEncoding,
        string Document);

    public sealed record Page(IReadOnlyList<Record> Records, string? NextCursor, bool HasMore);

    internal sealed class Row
    {
        public string Id { get; init; } = "";
        public long FeedSequence { get; init; }

        /// <summary>The commit part of the record's feed position (read by the page query only; see <see cref="FeedOrder"/>).</summary>
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

    internal sealed class Handler(Database database)
    {
        private readonly FeedOrder _order = FeedOrder.For(database.Dialect.Provider);

        public async Task<Page> HandleAsync(string appClientId, string? after, string? limitText, CancellationToken cancellationToken = default)
        {
            var cursor = ParseCursor(after);
            var limit = DefaultLimit;
            if (!string.IsNullOrEmpty(limitText) && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
                throw new DomainException(ErrorCodes.RequestInvalid, $"limit must be a whole number from 1 to {MaxLimit}, not '{Clip(limitText)}'.");

            await using var connection = await database.OpenAsync(cancellationToken);
            var position = cursor.Legacy ? await _order.FromLegacyCursorAsync(connection, appClientId, cursor.Position.Sequence) : cursor.Position;
            var rows = (await connection.QueryAsync<Row>(_order.SelectPage,
                new { app = appClientId, commit = position.Commit, sequence = position.Sequence, take = limit + 1 })).ToList();
            var hasMore = rows.Count > limit;
            var page = rows.Take(limit).ToList();
            var next = page.Count > 0 ? Cursor(new FeedPosition(page[^1].Commit, page[^1].FeedSequence)) : after;
            return new Page(page.Select(ToRecord).ToList(), next, hasMore);
        }
    }

    /// <summary>
    /// Opaque to apps: "c2." and the base64url of "commit.sequence" (see <see cref="FeedOrder"/>). Cursors of the first format,
    /// "c1." and the base64url of a feed_sequence, were given out before migration 0005 and still continue where they were.
    /// </summary>
    internal static string Cursor(FeedPosition position) =>
        "c2." + Base64Url(string.Create(CultureInfo.InvariantCulture, $"{position.Commit}.{position.Sequence}"));

    internal static (FeedPosition Position, bool Legacy) ParseCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return (new FeedPosition(0, 0), false);
        try
        {
            var legacy = cursor.StartsWith("c1.", StringComparison.Ordinal);
            if (!legacy && !cursor.StartsWith("c2.", StringComparison.Ordinal)) throw new FormatException();
            var b64 = cursor[3..].Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(b64)).Split('.');
            if (parts.Length != (legacy ? 1 : 2)) throw new FormatException();
            var numbers = parts.Select(p => long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : throw new FormatException()).ToList();
            return legacy ? (new FeedPosition(0, numbers[0]), true) : (new FeedPosition(numbers[0], numbers[1]), false);
        }
        catch (FormatException)
        {
            throw new DomainException(ErrorCodes.RequestInvalid, $"after='{Clip(cursor)}' is not a cursor this feed gave out; pass the nextCursor of the previous page, or nothing to start.");
        }
    }

    private static string Base64Url(string text) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Clip(string value) => value.Length > 40 ? value[..40] + "…" : value;
}
