using EPrescription.Server.Storage;

namespace EPrescription.Server.Feeds;

/// <summary>
/// A place in a commit-ordered feed: <see cref="Commit"/> orders rows by when their transaction can have committed (PostgreSQL:
/// the inserting transaction's id; SQL Server: the row version; SQLite: always 0, its one writer commits in sequence order), and
/// <see cref="Sequence"/> (the row's feed_sequence) orders the rows of one transaction.
/// </summary>
public readonly record struct FeedPosition(long Commit, long Sequence);

/// <summary>
/// The table a feed pages through. It has the feed columns of every commit-ordered feed: <c>feed_sequence</c> (drawn at insert),
/// and on PostgreSQL <c>feed_tx xid8 DEFAULT pg_current_xact_id()</c>, on SQL Server <c>feed_version ROWVERSION</c>; rows are
/// never updated. <paramref name="Columns"/> are selected (they name <c>{Alias}.feed_sequence AS FeedSequence</c>),
/// <paramref name="Joins"/> may add tables for them, <paramref name="Owner"/> is the column that names whose feed a row is in
/// (compared with @owner).
/// </summary>
public sealed record FeedSource(string Table, string Alias, string Owner, string Columns, string Joins = "");

/// <summary>
/// How a feed serves only rows below the commit horizon, per database, so a cursor never passes a row that commits late (the
/// notebook records and the clinic events are such feeds).
/// <para>
/// Feed positions are drawn when a row is inserted, so on PostgreSQL and SQL Server a later position can commit before an
/// earlier one. Serialising every writer of a feed on one lock would keep positions in commit order but cap its rows per second
/// (SPEC §2 forbids such a lock). Instead the reader only serves rows whose commit key lies below the lowest key any running
/// transaction may still commit with; everything below it has ended.
/// </para>
/// </summary>
public abstract class CommitHorizon
{
    /// <summary>
    /// Rows of @owner's feed after position (@commit, @sequence), first @take, in feed order: <see cref="FeedSource.Columns"/>
    /// and the position's commit part as Commit.
    /// </summary>
    public abstract string SelectPage(FeedSource source);

    private static readonly CommitHorizon SqliteHorizon = new Sqlite(), PostgreSqlHorizon = new PostgreSql(), SqlServerHorizon = new SqlServer();

    public static CommitHorizon For(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => SqliteHorizon,
        DatabaseProvider.PostgreSql => PostgreSqlHorizon,
        DatabaseProvider.SqlServer => SqlServerHorizon,
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown database provider."),
    };

    /// <summary>One writer at a time (BEGIN IMMEDIATE): rows commit in feed_sequence order, which is the whole order.</summary>
    private sealed class Sqlite : CommitHorizon
    {
        public override string SelectPage(FeedSource s) =>
            $"""
            SELECT {s.Columns}, 0 AS "Commit" FROM {s.Table} {s.Alias} {s.Joins}
            WHERE {s.Alias}.{s.Owner} = @owner AND {s.Alias}.feed_sequence > @sequence
            ORDER BY {s.Alias}.feed_sequence LIMIT @take
            """;
    }

    /// <summary>
    /// Each row keeps the id of the transaction that inserted it (feed_tx, xid8). The feed is ordered by (feed_tx,
    /// feed_sequence) and serves only rows with feed_tx below the xmin of the reading statement's snapshot: every transaction
    /// below it has ended, and any row that commits later belongs to a transaction at or above it, so it sorts after every row
    /// served so far. (Ordering by feed_sequence alone would not do: a transaction can draw a lower sequence than one with a
    /// lower id, and commit after that one was served.) The cost: while any writing transaction of the cluster stays open,
    /// newer rows wait for it.
    /// </summary>
    private sealed class PostgreSql : CommitHorizon
    {
        public override string SelectPage(FeedSource s) =>
            $"""
            SELECT {s.Columns}, {s.Alias}.feed_tx::text::bigint AS "Commit" FROM {s.Table} {s.Alias} {s.Joins}
            WHERE {s.Alias}.{s.Owner} = @owner AND ({s.Alias}.feed_tx, {s.Alias}.feed_sequence) > (@commit::text::xid8, @sequence)
              AND {s.Alias}.feed_tx < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY {s.Alias}.feed_tx, {s.Alias}.feed_sequence LIMIT @take
            """;
    }

    /// <summary>
    /// A rowversion column (feed_version) is stamped at insert from the database's counter; MIN_ACTIVE_ROWVERSION() is the
    /// lowest version a still-open transaction holds (or the next one to be given out), so versions below it have committed and
    /// any later commit has a version at or above it. Rows are never updated, so their version stays their place. The horizon
    /// is read before the rows; READPAST steps over uncommitted inserts, which lie above it anyway, instead of waiting.
    /// </summary>
    private sealed class SqlServer : CommitHorizon
    {
        public override string SelectPage(FeedSource s) =>
            $"""
            DECLARE @horizon BINARY(8) = MIN_ACTIVE_ROWVERSION();
            SELECT TOP (@take) {s.Columns}, CAST({s.Alias}.feed_version AS BIGINT) AS [Commit]
            FROM {s.Table} {s.Alias} WITH (READPAST) {s.Joins}
            WHERE {s.Alias}.{s.Owner} = @owner AND {s.Alias}.feed_version > CAST(@commit AS BINARY(8)) AND {s.Alias}.feed_version < @horizon
            ORDER BY {s.Alias}.feed_version
            """;
    }
}
