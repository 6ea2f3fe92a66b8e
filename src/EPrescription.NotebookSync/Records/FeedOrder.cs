using System.Data.Common;
using Dapper;
using EPrescription.Server.Feeds;
using EPrescription.Server.Storage;

namespace EPrescription.NotebookSync.Records;

/// <summary>
/// What the notebook feed's order needs from each database beyond the commit horizon every feed shares
/// (<see cref="CommitHorizon"/>, which serves only records below it, so a cursor never passes a record that commits late): the
/// per-patient lock the record writers take, which keeps one patient's records in dispensing order without a lock per app, and
/// the place of a cursor given out before the feed was ordered by commit.
/// </summary>
internal abstract class FeedOrder
{
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

    /// <summary>One writer at a time (BEGIN IMMEDIATE): the write lock is already the per-patient lock.</summary>
    private sealed class Sqlite : FeedOrder
    {
        public override Task LockPatientAsync(DbConnection connection, DbTransaction transaction, string patientKey) => Task.CompletedTask;
    }

    /// <summary>Records are ordered by their inserting transaction's id (feed_tx), so the patient lock must not assign one.</summary>
    private sealed class PostgreSql : FeedOrder
    {
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

    /// <summary>Records are ordered by a rowversion (feed_version) stamped at insert.</summary>
    private sealed class SqlServer : FeedOrder
    {
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
