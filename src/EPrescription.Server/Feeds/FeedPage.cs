using System.Data.Common;
using System.Globalization;
using System.Text;
using Dapper;

namespace EPrescription.Server.Feeds;

/// <summary>A row of a commit-ordered feed: its place (see <see cref="FeedPosition"/>).</summary>
public interface IFeedRow
{
    long FeedSequence { get; }

    /// <summary>The commit part of the row's position (read by the page query only; see <see cref="CommitHorizon"/>).</summary>
    long Commit { get; }
}

/// <summary>
/// What the pull feeds share: the page limit (1–1000, default 100), opaque cursors (a prefix naming the feed and its format,
/// then the base64url of dot-separated whole numbers) and reading one page below the commit horizon.
/// </summary>
public static class FeedPage
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>The limit query parameter, or <see cref="DefaultLimit"/>; REQUEST_INVALID naming it when it is not 1–1000.</summary>
    public static int Limit(string? text)
    {
        if (string.IsNullOrEmpty(text)) return DefaultLimit;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit is < 1 or > MaxLimit)
            throw new DomainException(ErrorCodes.RequestInvalid, $"limit must be a whole number from 1 to {MaxLimit}, not '{Clip(text)}'.");
        return limit;
    }

    /// <summary>
    /// Up to <paramref name="limit"/> rows of <paramref name="owner"/>'s feed after <paramref name="after"/>, read with
    /// <paramref name="selectPage"/> (a <see cref="CommitHorizon.SelectPage"/>); whether more follow; and the position of the
    /// last row, or null for an empty page (the caller's cursor stays where it was).
    /// </summary>
    public static async Task<(IReadOnlyList<TRow> Rows, FeedPosition? Last, bool HasMore)> ReadAsync<TRow>(DbConnection connection, string selectPage,
        string owner, FeedPosition after, int limit) where TRow : IFeedRow
    {
        var rows = (await connection.QueryAsync<TRow>(selectPage,
            new { owner, commit = after.Commit, sequence = after.Sequence, take = limit + 1 })).ToList();
        var page = rows.Count > limit ? rows.GetRange(0, limit) : rows;
        return (page, page.Count > 0 ? new FeedPosition(page[^1].Commit, page[^1].FeedSequence) : null, rows.Count > limit);
    }

    /// <summary>The cursor <paramref name="prefix"/> + base64url("commit.sequence").</summary>
    public static string Cursor(string prefix, FeedPosition position) =>
        prefix + Base64Url(string.Create(CultureInfo.InvariantCulture, $"{position.Commit}.{position.Sequence}"));

    /// <summary>
    /// The numbers of a cursor that starts with <paramref name="prefix"/> and holds <paramref name="count"/> non-negative whole
    /// numbers; null when it is anything else.
    /// </summary>
    public static long[]? Numbers(string cursor, string prefix, int count)
    {
        if (!cursor.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var b64 = cursor[prefix.Length..].Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
        var bytes = new byte[b64.Length];
        if (!Convert.TryFromBase64String(b64, bytes, out var written)) return null;
        var parts = Encoding.ASCII.GetString(bytes, 0, written).Split('.');
        if (parts.Length != count) return null;
        var numbers = new long[count];
        for (var i = 0; i < count; i++)
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i])) return null;
        return numbers;
    }

    /// <summary>REQUEST_INVALID for an after= that is no cursor of this feed.</summary>
    public static DomainException BadCursor(string cursor) =>
        new(ErrorCodes.RequestInvalid, $"after='{Clip(cursor)}' is not a cursor this feed gave out; pass the nextCursor of the previous page, or nothing to start.");

    private static string Base64Url(string text) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Clip(string value) => value.Length > 40 ? value[..40] + "…" : value;
}
