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
        public async Task<Page> HandleAsync(string appClientId, string? after, string? limitText, CancellationToken cancellationToken = default)
        {
            var position = ParseCursor(after);
            var limit = DefaultLimit;
            if (!string.IsNullOrEmpty(limitText) && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
                throw new DomainException(ErrorCodes.RequestInvalid, $"limit must be a whole number from 1 to {MaxLimit}, not '{Clip(limitText)}'.");

            await using var connection = await database.OpenAsync(cancellationToken);
            var rows = (await connection.QueryAsync<Row>(
                $"SELECT {Columns} FROM notebook_records WHERE app_client_id = @app AND feed_sequence > @position ORDER BY feed_sequence"
                + database.Dialect.Limit("@take"), new { app = appClientId, position, take = limit + 1 })).ToList();
            var hasMore = rows.Count > limit;
            var page = rows.Take(limit).ToList();
            var next = page.Count > 0 ? Cursor(page[^1].FeedSequence) : after;
            return new Page(page.Select(ToRecord).ToList(), next, hasMore);
        }
    }

    /// <summary>Opaque to apps: "c1." and the base64url of the last position, so the format can change without breaking them.</summary>
    internal static string Cursor(long sequence) =>
        "c1." + Convert.ToBase64String(Encoding.ASCII.GetBytes(sequence.ToString(CultureInfo.InvariantCulture))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static long ParseCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return 0;
        try
        {
            if (!cursor.StartsWith("c1.", StringComparison.Ordinal)) throw new FormatException();
            var b64 = cursor[3..].Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(b64));
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new DomainException(ErrorCodes.RequestInvalid, $"after='{Clip(cursor)}' is not a cursor this feed gave out; pass the nextCursor of the previous page, or nothing to start.");
        }
    }

    private static string Clip(string value) => value.Length > 40 ? value[..40] + "…" : value;
}
