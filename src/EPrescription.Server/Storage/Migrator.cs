using Dapper;

namespace EPrescription.Server.Storage;

/// <summary>
/// Applies the numbered SQL scripts of the configured dialect (Storage/Migrations/&lt;dialect&gt;/NNNN_name.sql) that the database
/// has not seen yet, each in its own transaction, recording them in schema_migrations. Runs at start-up.
/// </summary>
public sealed class Migrator(Database database)
{
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(database.Dialect.Provider == DatabaseProvider.SqlServer
            ? "IF OBJECT_ID('schema_migrations') IS NULL CREATE TABLE schema_migrations (version NVARCHAR(200) NOT NULL PRIMARY KEY, applied_at DATETIME2 NOT NULL)"
            : "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT NOT NULL PRIMARY KEY, applied_at " +
              (database.Dialect.Provider == DatabaseProvider.PostgreSql ? "TIMESTAMPTZ" : "TEXT") + " NOT NULL)");

        var applied = (await connection.QueryAsync<string>("SELECT version FROM schema_migrations")).ToHashSet(StringComparer.Ordinal);
        var newlyApplied = new List<string>();
        var sqlite = database.Dialect.Provider == DatabaseProvider.Sqlite;
        foreach (var (version, sql) in Scripts(database.Dialect.MigrationFolder))
        {
            if (applied.Contains(version)) continue;
            // SQLite changes a table's constraints only by rebuilding it, which a foreign key pointing at the table forbids
            // while the keys are enforced; the pragma works only outside a transaction. The keys are checked before commit.
            if (sqlite) await connection.ExecuteAsync("PRAGMA foreign_keys = OFF");
            try
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                foreach (var statement in Statements(sql))
                {
                    await connection.ExecuteAsync(statement, transaction: transaction);
                }
                if (sqlite && (await connection.QueryAsync("PRAGMA foreign_key_check", transaction: transaction)).Any())
                    throw new InvalidOperationException($"Migration {version} left rows whose foreign keys point nowhere; it was rolled back.");
                await connection.ExecuteAsync("INSERT INTO schema_migrations (version, applied_at) VALUES (@version, @at)",
                    new { version, at = DateTime.UtcNow }, transaction);
                await transaction.CommitAsync(cancellationToken);
            }
            finally
            {
                if (sqlite) await connection.ExecuteAsync("PRAGMA foreign_keys = ON");
            }
            newlyApplied.Add(version);
        }
        return newlyApplied;
    }

    private static IEnumerable<(string Version, string Sql)> Scripts(string folder)
    {
        var assembly = typeof(Migrator).Assembly;
        var prefix = $"{assembly.GetName().Name}.Storage.Migrations.{folder}.";
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            yield return (name[prefix.Length..^".sql".Length], reader.ReadToEnd());
        }
    }

    /// <summary>Scripts are plain statements ended by semicolons at line ends; comments are dropped.</summary>
    private static IEnumerable<string> Statements(string sql)
    {
        var lines = sql.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal));
        return string.Join('\n', lines).Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.TrimEnd(';')).Where(s => s.Length > 0);
    }
}
