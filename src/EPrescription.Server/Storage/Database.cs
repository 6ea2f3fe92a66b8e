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
        ConnectionString = provider == DatabaseProvider.Sqlite ? PrepareSqlite(connectionString) : connectionString;
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
        if (Dialect.Provider == DatabaseProvider.Sqlite)
        {
            // WAL lets readers run beside the one writer; the busy timeout makes writers queue instead of failing.
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;");
        }
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in one transaction: committed when it returns, rolled back when it throws.</summary>
    public async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // SQLite: take the write lock up front (BEGIN IMMEDIATE) so two writers never deadlock upgrading read locks.
        await using var transaction = Dialect.Provider == DatabaseProvider.Sqlite
            ? await BeginImmediateAsync(connection, cancellationToken)
            : await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        Committed?.Invoke();
        return result;
    }

    public Task InTransactionAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken cancellationToken = default) =>
        InTransactionAsync<bool>(async (c, t) => { await work(c, t); return true; }, cancellationToken);

    private static async Task<DbTransaction> BeginImmediateAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var sqlite = (Microsoft.Data.Sqlite.SqliteConnection)connection;
        return await Task.FromResult<DbTransaction>(sqlite.BeginTransaction(IsolationLevel.Serializable, deferred: false));
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
