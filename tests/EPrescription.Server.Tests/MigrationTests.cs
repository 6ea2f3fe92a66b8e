using Dapper;
using EPrescription.Server.Storage;

namespace EPrescription.Server.Tests;

public class MigrationTests
{
    public static IEnumerable<DatabaseProvider> Providers => TestDatabases.All;

    [TestCaseSource(nameof(Providers))]
    public async Task Should_create_every_table_once_and_apply_nothing_the_second_time(DatabaseProvider provider)
    {
        var database = await TestDatabases.FreshAsync(provider);

        var again = await new Migrator(database).MigrateAsync();
        await using var connection = await database.OpenAsync();
        var versions = (await connection.QueryAsync<string>("SELECT version FROM schema_migrations")).ToList();
        var clients = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM clients");

        Assert.Multiple(() =>
        {
            Assert.That(again, Is.Empty);
            Assert.That(versions, Does.Contain("0001_initial"));
            Assert.That(clients, Is.EqualTo(0));
        });
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_store_instants_as_utc_and_dates_as_dates(DatabaseProvider provider)
    {
        var database = await TestDatabases.FreshAsync(provider);
        var instant = new DateTime(2025, 6, 10, 1, 2, 3, DateTimeKind.Utc);

        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            "INSERT INTO clients (id, name, role, key_hash, key_hint, created_at) VALUES ('c1', 'x', 'admin', 'h', 'k', @instant)", new { instant });
        var back = await connection.QuerySingleAsync<DateTime>("SELECT created_at FROM clients WHERE id = 'c1'");

        Assert.Multiple(() =>
        {
            Assert.That(back, Is.EqualTo(instant));
            Assert.That(back.Kind, Is.EqualTo(DateTimeKind.Utc));
        });
    }
}
