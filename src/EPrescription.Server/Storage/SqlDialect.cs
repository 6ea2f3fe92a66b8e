using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace EPrescription.Server.Storage;

/// <summary>
/// The little that differs between the three databases: how to connect, how to take the first N rows, how to claim rows that
/// other processes may be claiming too, and how to tell a unique-key violation. Everything else is the same SQL.
/// </summary>
public abstract class SqlDialect
{
    public abstract DatabaseProvider Provider { get; }

    /// <summary>The database's name in OpenTelemetry's conventions (db.system.name): sqlite, postgresql, microsoft.sql_server.</summary>
    public string SystemName => Provider switch
    {
        DatabaseProvider.PostgreSql => "postgresql",
        DatabaseProvider.SqlServer => "microsoft.sql_server",
        _ => "sqlite",
    };

    /// <summary>Folder name of this dialect's numbered migration scripts.</summary>
    public abstract string MigrationFolder { get; }

    public abstract DbConnection CreateConnection(string connectionString);

    /// <summary>"SELECT ... ORDER BY ... " + Limit("@limit") takes the first rows.</summary>
    public abstract string Limit(string parameter);

    /// <summary>Table hint that lets several relays claim outbox rows without blocking each other.</summary>
    public abstract string SkipLocked { get; }

    public abstract bool IsUniqueViolation(DbException exception);

    /// <summary>
    /// "column is one of the list @parameter": Dapper expands a list into IN (...) for SQLite and SQL Server, but hands it to
    /// Npgsql as an array, which PostgreSQL matches with = ANY.
    /// </summary>
    public virtual string InList(string column, string parameter) => $"{column} IN {parameter}";

    /// <summary>
    /// Claims up to @batch unpublished outbox rows for relay @me until @until, skipping rows another relay holds, and returns
    /// them (columns Id, MessageId, MessageType, Payload, CorrelationId, TraceParent).
    /// </summary>
    public virtual string ClaimOutbox =>
        $"""
        UPDATE outbox SET claimed_by = @me, claimed_until = @until, attempts = attempts + 1
        WHERE id IN (SELECT id FROM outbox WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < @now)
                     ORDER BY id{Limit("@batch")}{SkipLocked})
        RETURNING id AS Id, message_id AS MessageId, message_type AS MessageType, payload AS Payload, correlation_id AS CorrelationId,
                  trace_parent AS TraceParent
        """;

    public static SqlDialect For(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteDialect(),
        DatabaseProvider.PostgreSql => new PostgreSqlDialect(),
        DatabaseProvider.SqlServer => new SqlServerDialect(),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown database provider."),
    };

    private sealed class SqliteDialect : SqlDialect
    {
        public override DatabaseProvider Provider => DatabaseProvider.Sqlite;
        public override string MigrationFolder => "sqlite";
        public override DbConnection CreateConnection(string connectionString) => new SqliteConnection(connectionString);
        public override string Limit(string parameter) => $" LIMIT {parameter}";
        // SQLite has one writer at a time; a write transaction already excludes other claimers.
        public override string SkipLocked => "";
        public override bool IsUniqueViolation(DbException exception) =>
            exception is SqliteException { SqliteErrorCode: 19 } && exception.Message.Contains("UNIQUE", StringComparison.OrdinalIgnoreCase);
    }

    private sealed class PostgreSqlDialect : SqlDialect
    {
        public override DatabaseProvider Provider => DatabaseProvider.PostgreSql;
        public override string MigrationFolder => "postgres";
        public override DbConnection CreateConnection(string connectionString) => new NpgsqlConnection(connectionString);
        public override string Limit(string parameter) => $" LIMIT {parameter}";
        public override string SkipLocked => " FOR UPDATE SKIP LOCKED";
        public override string InList(string column, string parameter) => $"{column} = ANY({parameter})";
        public override bool IsUniqueViolation(DbException exception) => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
    }

    private sealed class SqlServerDialect : SqlDialect
    {
        public override DatabaseProvider Provider => DatabaseProvider.SqlServer;
        public override string MigrationFolder => "sqlserver";
        public override DbConnection CreateConnection(string connectionString) => new SqlConnection(connectionString);
        public override string Limit(string parameter) => $" OFFSET 0 ROWS FETCH NEXT {parameter} ROWS ONLY";
        public override string SkipLocked => "";
        // READPAST skips rows other relays have locked; UPDLOCK keeps two relays from claiming the same row.
        public override string ClaimOutbox =>
            """
            WITH next AS (
                SELECT TOP (@batch) * FROM outbox WITH (UPDLOCK, READPAST, ROWLOCK)
                WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < @now) ORDER BY id)
            UPDATE next SET claimed_by = @me, claimed_until = @until, attempts = attempts + 1
            OUTPUT inserted.id AS Id, inserted.message_id AS MessageId, inserted.message_type AS MessageType,
                   inserted.payload AS Payload, inserted.correlation_id AS CorrelationId,
                   inserted.trace_parent AS TraceParent
            """;
        // 2627: unique constraint, 2601: unique index.
        public override bool IsUniqueViolation(DbException exception) => exception is SqlException { Number: 2627 or 2601 };
    }
}
