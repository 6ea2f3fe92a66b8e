using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;

namespace EPrescription.Server.Storage;

/// <summary>Opens connections to the configured database and runs work in one transaction.</summary>
public sealed class Database
{
    static Database() => TypeHandlers.Register();

    public Database(IOptions<DatabaseOptions> options)
        : this(options.Value.Provider, options.Value.ConnectionString)
    {
    }

    public Database(DatabaseProvider provider, string connectionString)
    {
        Dialect = SqlDialect.For(provider);
        ConnectionString = provider switch
        {
            DatabaseProvider.Sqlite => PrepareSqlite(connectionString),
            DatabaseProvider.PostgreSql => PreparePostgres(connectionString),
            _ => connectionString,
        };
        if (provider == DatabaseProvider.Sqlite) _sqliteWriter = new SqliteGroupCommit(this);
    }

    public SqlDialect Dialect { get; }

    /// <summary>
    /// Raised after every committed transaction of this process, so the outbox relay can publish at once instead of waiting for
    /// its next poll. Handlers must be quick and must not throw.
    /// </summary>
    public event Action? Committed;

    public string ConnectionString { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = Dialect.CreateConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        if (Dialect.Provider == DatabaseProvider.Sqlite && ((Microsoft.Data.Sqlite.SqliteConnection)connection).Handle is { } handle
            && !_configuredSqlite.TryGetValue(handle, out _))
        {
            // WAL lets readers run beside the one writer; the busy timeout makes writers queue instead of failing.
            // synchronous=NORMAL in WAL mode syncs at checkpoints, not at every commit: a killed process loses nothing
            // committed; an operating-system crash or power cut may lose the last commits (never corrupts). The embedded mode
            // is for development and small sites; server mode uses PostgreSQL or SQL Server. The settings belong to the
            // underlying SQLite connection, which the pool hands out again: set once per connection, not on every open.
            // Temporary sort and statement files stay in memory (they were created and deleted dozens of times a second
            // under load). Auto-checkpoints every 10,000 WAL pages (about 40 MB) instead of SQLite's 1,000: a page rewritten
            // by many transactions in between is copied to the database file once, and the writer, who runs the
            // checkpoint inside its commit, stops to do it a tenth as often (docs/performance.md).
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=10000;");
            _configuredSqlite.AddOrUpdate(handle, handle);
        }
        return connection;
    }

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, SQLitePCL.sqlite3> _configuredSqlite = new();

    /// <summary>Runs <paramref name="work"/> in one transaction: committed when it returns, rolled back when it throws.</summary>
    public Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default) =>
        RunAsync(work, announce: true, cancellationToken);

    public Task InTransactionAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken cancellationToken = default) =>
        RunAsync<bool>(async (c, t) => { await work(c, t); return true; }, announce: true, cancellationToken);

    /// <summary>
    /// One write statement of the service's own bookkeeping (audit entries, outbox and delivery marks) in its own transaction.
    /// It queues behind other writers like any transaction but does not raise <see cref="Committed"/>, so it wakes nobody.
    /// </summary>
    public Task<int> ExecuteWriteAsync(string sql, object? parameters = null, CancellationToken cancellationToken = default) =>
        RunAsync((connection, transaction) => connection.ExecuteAsync(sql, parameters, transaction), announce: false, cancellationToken);

    /// <summary>A transaction of the service's own bookkeeping that returns rows (the outbox claim); raises no <see cref="Committed"/>.</summary>
    public Task<T> InBookkeepingTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default) =>
        RunAsync(work, announce: false, cancellationToken);

    private async Task<T> RunAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, bool announce, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (Dialect.Provider == DatabaseProvider.Sqlite)
        {
            return (T)(await _sqliteWriter!.RunAsync(async (c, t) => await work(c, t), announce, started, cancellationToken))!;
        }
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        using var counts = Telemetry.DomainMeters.Watch(transaction, Dialect.SystemName, started);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        counts.Commit();
        if (announce) Committed?.Invoke();
        return result;
    }

    /// <summary>SQLite's one writer: every write transaction of this process goes through it (null on other databases).</summary>
    private readonly SqliteGroupCommit? _sqliteWriter;

    internal void AnnounceCommit() => Committed?.Invoke();

    /// <summary>
    /// Every request runs the same few statements, so Npgsql prepares them automatically (unless the connection string says
    /// otherwise), and connections are not reset on their way back to the pool (see below): PostgreSQL then parses and plans each once per connection instead of on every execution, which was as much
    /// CPU as the service's own under load.
    /// </summary>
    private static string PreparePostgres(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!builder.ContainsKey("Max Auto Prepare") && !builder.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 100;
            builder.AutoPrepareMinUsages = 2;
        }
        // The service keeps no session state (no temporary tables, settings or advisory locks outlive a transaction), so a
        // connection going back to the pool needs no reset: without this, every open costs PostgreSQL a DISCARD ALL (45,000 of
        // them in one bench run, each a statement of its own).
        if (!builder.ContainsKey("No Reset On Close") && !builder.ContainsKey("NoResetOnClose")) builder.NoResetOnClose = true;
        return builder.ToString();
    }

    private static string PrepareSqlite(string connectionString)
    {
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString);
        if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:" && builder.Mode != Microsoft.Data.Sqlite.SqliteOpenMode.Memory)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (folder is not null) Directory.CreateDirectory(folder);
        }
        builder.Pooling = true;
        return builder.ToString();
    }
}
