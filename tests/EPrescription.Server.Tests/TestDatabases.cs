using System.Data.Common;
using EPrescription.Server.Storage;
using Npgsql;
using Respawn;

namespace EPrescription.Server.Tests;

/// <summary>
/// The real databases tests run against: a SQLite file, the PostgreSQL that scripts/test.sh starts (EPRX_TEST_POSTGRES), and a
/// SQL Server when EPRX_TEST_SQLSERVER holds a connection string. Each is migrated once and reset with Respawn before a test.
/// </summary>
public static class TestDatabases
{
    public static IEnumerable<DatabaseProvider> All => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql, DatabaseProvider.SqlServer];

    private static readonly Dictionary<DatabaseProvider, (Database Database, Respawner? Respawner)> Ready = [];
    private static readonly SemaphoreSlim Lock = new(1, 1);

    /// <summary>A migrated, emptied database of the provider, or an ignored test saying why there is none.</summary>
    public static async Task<Database> FreshAsync(DatabaseProvider provider)
    {
        await Lock.WaitAsync();
        try
        {
            if (!Ready.TryGetValue(provider, out var ready))
            {
                var database = new Database(provider, ConnectionString(provider));
                await new Migrator(database).MigrateAsync();
                Respawner? respawner = null;
                if (provider != DatabaseProvider.Sqlite)
                {
                    await using var connection = await database.OpenAsync();
                    respawner = await Respawner.CreateAsync(connection, new RespawnerOptions
                    {
                        DbAdapter = provider == DatabaseProvider.PostgreSql ? DbAdapter.Postgres : DbAdapter.SqlServer,
                        TablesToIgnore = ["schema_migrations"],
                    });
                }
                Ready[provider] = ready = (database, respawner);
            }
            await ResetAsync(ready.Database, ready.Respawner);
            return ready.Database;
        }
        finally
        {
            Lock.Release();
        }
    }

    private static async Task ResetAsync(Database database, Respawner? respawner)
    {
        await using var connection = await database.OpenAsync();
        if (respawner is not null)
        {
            await respawner.ResetAsync(connection);
            return;
        }
        // Respawn has no SQLite adapter; the same effect: empty every table but the migration record, children first.
        foreach (var table in new[] { "medications", "processed_messages", "outbox", "audit_log", "idempotency_keys", "dispensings", "prescription_history", "prescriptions", "clients" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"DELETE FROM {table}";
            await command.ExecuteNonQueryAsync();
        }
    }

    private static string ConnectionString(DatabaseProvider provider)
    {
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                var file = Path.Combine(Path.GetTempPath(), $"eprx-tests-{Environment.ProcessId}.db");
                return $"Data Source={file}";
            case DatabaseProvider.PostgreSql:
                var postgres = Environment.GetEnvironmentVariable("EPRX_TEST_POSTGRES");
                if (string.IsNullOrWhiteSpace(postgres))
                    Assert.Ignore("EPRX_TEST_POSTGRES is not set: run the tests through scripts/test.sh, which starts PostgreSQL and sets it.");
                return CreateDatabase(postgres!);
            default:
                var sqlServer = Environment.GetEnvironmentVariable("EPRX_TEST_SQLSERVER");
                if (string.IsNullOrWhiteSpace(sqlServer))
                    Assert.Ignore("No SQL Server configured: set EPRX_TEST_SQLSERVER to a connection string to run the SQL Server tests (none can run on the CI machine).");
                return sqlServer!;
        }
    }

    /// <summary>A database of its own for this test project, so test projects running at once do not reset each other's data.</summary>
    private static string CreateDatabase(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // EPRX_TEST_DATABASE_SUFFIX: two checkouts testing at once on one server keep their databases apart.
        var name = "eprx_server_tests" + Environment.GetEnvironmentVariable("EPRX_TEST_DATABASE_SUFFIX");
        using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            connection.Open();
            using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", name);
            if (exists.ExecuteScalar() is null)
            {
                using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                create.ExecuteNonQuery();
            }
        }
        builder.Database = name;
        return builder.ConnectionString;
    }
}
