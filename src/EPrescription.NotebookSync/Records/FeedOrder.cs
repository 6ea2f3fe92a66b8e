using System.Data.Common;
using Dapper;
using EPrescription.Server.Storage;

namespace EPrescription.NotebookSync.Records;

/// <summary>
/// A place in an app's feed: <see cref="Commit"/> orders records by when their transaction can have committed (PostgreSQL: the
/// inserting transaction's id; SQL Server: the row version; SQLite: always 0, its one writer commits in sequence order), and
/// <see cref="Sequence"/> (the record's feed_sequence) orders the records of one transaction.
/// </summary>
internal readonly record struct FeedPosition(long Commit, long Sequence);

/// <summary>
/// What the feed's order needs from each database, in one place: the per-patient lock the record writers take, and the page
/// query that serves only records below the commit horizon, so a cursor never passes a record that commits late.
/// <para>
/// Why a horizon and not a per-app lock: feed positions are drawn when a record is inserted, so on PostgreSQL and SQL Server a
/// later position can commit before an earlier one. Serialising every record of an app on one lock kept positions in commit
/// order but capped the app's records per second (SPEC §2 forbids such a lock). Instead the reader only serves records whose
/// commit key lies below the lowest key any running transaction may still commit with; everything below it has ended.
/// </para>
/// </summary>
internal abstract class FeedOrder
{
    /// <summary>
    /// Rows of app @app after position (@commit, @sequence), first @take, in feed order: the columns of <see cref="Feed.Columns"/>
    /// (FeedSequence is the position's sequence) and the position's commit part as Commit.
    /// </summary>
    public abstract string SelectPage { get; }

    /// <summary>
    /// Holds the patient's records (for every app) until the transaction ends, so records of one patient are written one
    /// transaction after the other, in dispensing order, while other patients never wait. Must come before the transaction's
    /// first write (see the PostgreSQL order).
    /// </summary>
    public abstract Task LockPatientAsync(DbConnection connection, DbTransaction transaction, string patientKey);

    /// <summary>The position of a "c1." cursor (feed_sequence only) given out before the feed was ordered by commit.</summary>
    public virtual Task<FeedPosition> FromLegacyCursorAsync(DbConnection connection, string appClientId, long sequence) =>
        Task.FromResult(new FeedPosition(0, sequence));

    private static readonly FeedOrder SqliteOrder = new Sqlite(), PostgreSqlOrder = new PostgreSql(), SqlServerOrder = new SqlServer();

    public static FeedOrder For(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => SqliteOrder,
        DatabaseProvider.PostgreSql => PostgreSqlOrder,
        DatabaseProvider.SqlServer => SqlServerOrder,
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown database provider."),
    };

    /// <summary>The order of the database <paramref name="connection"/> is open on (for writers handed a connection).</summary>
    public static FeedOrder For(DbConnection connection) => connection switch
    {
        Microsoft.Data.Sqlite.SqliteConnection => SqliteOrder,
        Npgsql.NpgsqlConnection => PostgreSqlOrder,
        Microsoft.Data.SqlClient.SqlConnection => SqlServerOrder,
        _ => throw new ArgumentOutOfRangeException(nameof(connection), connection.GetType().Name, "Unknown database connection."),
    };

    /// <summary>
    /// One writer at a time (BEGIN IMMEDIATE): records commit in feed_sequence order, which is the whole order; the write lock
    /// is already the per-patient lock.
    /// </summary>
    private sealed class Sqlite : FeedOrder
    {
        public override string SelectPage =>
            $"""
            SELECT {Feed.Columns}, 0 AS "Commit" FROM notebook_records
            WHERE app_client_id = @app AND feed_sequence > @sequence
            ORDER BY feed_sequence LIMIT @take
            """;

        public override Task LockPatientAsync(DbConnection connection, DbTransaction transaction, string patientKey) => Task.CompletedTask;
    }

    /// <summary>
    /// Each record keeps the id of the transaction that inserted it (feed_tx, xid8). The feed is ordered by (feed_tx,
    /// feed_sequence) and serves only records with feed_tx below the xmin of the reading statement's snapshot: every transaction
    /// below it has ended, and any record that commits later belongs to a transaction at or above it, so it sorts after every
    /// record served so far. (Ordering by feed_sequence alone would not do: a transaction can draw a lower sequence than one with
    /// a lower id, and commit after that one was served.) The cost: while any writing transaction of the cluster stays open,
    /// newer records wait for it.
    /// </summary>
    private sealed class PostgreSql : FeedOrder
    {
        public override string SelectPage =>
            $"""
            SELECT {Feed.Columns}, feed_tx::text::bigint AS "Commit" FROM notebook_records
            WHERE app_client_id = @app AND (feed_tx, feed_sequence) > (@commit::text::xid8, @sequence)
              AND feed_tx < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY feed_tx, feed_sequence LIMIT @take
            """;

        /// <summary>
        /// An advisory lock on 64 bits of a hash of the patient key (two patients sharing one is as likely as a hash collision:
        /// then they wait for each other now and then, nothing worse). It gives the transaction no id (a row lock would: it is
        /// written into the row), so a writer that waited gets its id only at its first insert, after the one before it
        /// committed: a larger id, so the patient's records sort in the order they were written.
        /// </summary>
        public override Task LockPatientAsync(DbConnection connection, DbTransaction transaction, string patientKey) =>
            connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", new { key = LockKey(patientKey) }, transaction);

        private static long LockKey(string patientKey) =>
            System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(patientKey)));
    }

    /// <summary>
    /// A rowversion column (feed_version) is stamped at insert from the database's counter; MIN_ACTIVE_ROWVERSION() is the
    /// lowest version a still-open transaction holds (or the next one to be given out), so versions below it have committed and
    /// any later commit has a version at or above it. Records are never updated, so their version stays their place. The
    /// horizon is read before the rows; READPAST steps over uncommitted inserts, which lie above it anyway, instead of waiting.
    /// </summary>
    private sealed class SqlServer : FeedOrder
    {
        public override string SelectPage =>
            $"""
            DECLARE @horizon BINARY(8) = MIN_ACTIVE_ROWVERSION();
            SELECT TOP (@take) {Feed.Columns}, CAST(feed_version AS BIGINT) AS [Commit]
            FROM notebook_records WITH (READPAST)
            WHERE app_client_id = @app AND feed_version > CAST(@commit AS BINARY(8)) AND feed_version < @horizon
            ORDER BY feed_version
            """;

        public override async Task LockPatientAsync(DbConnection connection, DbTransaction transaction, string patientKey)
        {
            var granted = await connection.ExecuteScalarAsync<int>(
                """
                DECLARE @result INT;
                EXEC @result = sp_getapplock @Resource = @resource, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = -1;
                SELECT @result;
                """, new { resource = "eprx-notebook-patient:" + patientKey }, transaction);
            // 0 granted, 1 granted after waiting; below zero (deadlock victim, cancelled) the transaction must not go on.
            if (granted < 0) throw new InvalidOperationException($"The patient lock was not granted (sp_getapplock returned {granted}).");
        }

        /// <summary>Migration 0005 re-stamped the existing records in feed_sequence order, so the last one at or below it is the place.</summary>
        public override async Task<FeedPosition> FromLegacyCursorAsync(DbConnection connection, string appClientId, long sequence) =>
            new(await connection.ExecuteScalarAsync<long?>(
                "SELECT MAX(CAST(feed_version AS BIGINT)) FROM notebook_records WHERE app_client_id = @app AND feed_sequence <= @sequence",
                new { app = appClientId, sequence }) ?? 0, sequence);
    }
}
