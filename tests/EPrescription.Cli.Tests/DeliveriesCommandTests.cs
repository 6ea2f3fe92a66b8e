using Dapper;
using EPrescription.Server.Clients;
using EPrescription.Server.Storage;
using Microsoft.Data.Sqlite;

namespace EPrescription.Cli.Tests;

/// <summary>
/// `eprx deliveries parked|retry` on a database where the notebook sync parked webhook deliveries that failed every attempt.
/// The rows are written as the dispatcher leaves them (status 'parked', attempts, last error, when).
/// </summary>
public class DeliveriesCommandTests
{
    private string _folder = null!;
    private string _connection = null!;
    private string[] _database = null!;
    private string _app = null!;

    [SetUp]
    public async Task CreateDatabaseWithANotebookAppAsync()
    {
        _folder = Directory.CreateTempSubdirectory("eprx-deliveries-").FullName;
        _connection = $"Data Source={Path.Combine(_folder, "deliveries.db")}";
        _database = ["--provider", "sqlite", "--connection", _connection];
        var database = new Database(DatabaseProvider.Sqlite, _connection);
        await new Migrator(database).MigrateAsync();
        var (client, _) = await new ClientStore(database, TimeProvider.System)
            .AddAsync(new NewClient("みほん手帳アプリ", ClientRole.NotebookApp, null, "https://notebook.example/hook"));
        _app = client.Id;
    }

    [TearDown]
    public void RemoveFolder()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private Task<Eprx.Result> Deliveries(params string[] args) => Eprx.RunAsync(["deliveries", .. args, .. _database]);

    /// <summary>A delivery as the dispatcher parks it (foreign keys off: the record itself is not what is under test).</summary>
    private async Task ParkAsync(string recordId, long sequence, string error = "HTTP 500")
    {
        await using var connection = new SqliteConnection(_connection + ";Foreign Keys=False");
        await connection.ExecuteAsync(
            """
            INSERT INTO webhook_deliveries (record_id, app_client_id, patient_key, feed_sequence, status, attempts, next_attempt_at, last_error, parked_at)
            VALUES (@recordId, @app, @key, @sequence, 'parked', 8, '2025-06-10 01:00:00', @error, '2025-06-10 01:02:03')
            """, new { recordId, app = _app, key = new string('A', 64), sequence, error });
    }

    private async Task<(string Status, int Attempts)> DeliveryAsync(string recordId)
    {
        await using var connection = new SqliteConnection(_connection);
        return await connection.QuerySingleAsync<(string, int)>("SELECT status, attempts FROM webhook_deliveries WHERE record_id = @recordId", new { recordId });
    }

    [Test]
    public async Task Should_say_so_when_nothing_is_parked()
    {
        var result = await Deliveries("parked");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr);
        Assert.That(result.Stdout, Does.StartWith("No parked deliveries"));
    }

    [Test]
    public async Task Should_list_parked_deliveries_with_record_app_webhook_attempts_error_and_time()
    {
        await ParkAsync("nbr_000000000000000000000001", 1);
        await ParkAsync("nbr_000000000000000000000002", 2, "no answer within 10 s");

        var result = await Deliveries("parked");
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr);
            Assert.That(lines, Has.Length.EqualTo(4), result.Stdout);
            Assert.That(lines[0], Does.Match("^RECORD ID +APP +WEBHOOK +ATTEMPTS +LAST ERROR +PARKED \\(UTC\\)$"));
            Assert.That(lines[1], Does.Match($"^nbr_0+1 +{_app} \\(みほん手帳アプリ\\) +https://notebook.example/hook +8 +HTTP 500 +2025-06-10 01:02:03$"));
            Assert.That(lines[2], Does.Match("^nbr_0+2 .* +no answer within 10 s +2025-06-10 01:02:03$"));
            Assert.That(lines[3], Does.StartWith("2 parked"));
        });
    }

    [Test]
    public async Task Should_queue_one_parked_delivery_again_and_refuse_an_unknown_one()
    {
        await ParkAsync("nbr_000000000000000000000001", 1);
        await ParkAsync("nbr_000000000000000000000002", 2);

        var retried = await Deliveries("retry", "nbr_000000000000000000000001");
        var unknown = await Deliveries("retry", "nbr_nosuchrecord");

        Assert.Multiple(async () =>
        {
            Assert.That(retried.ExitCode, Is.EqualTo(0), retried.Stderr);
            Assert.That(retried.Stdout, Does.StartWith("Queued 1 parked delivery"));
            Assert.That(await DeliveryAsync("nbr_000000000000000000000001"), Is.EqualTo(("pending", 0)));
            Assert.That(await DeliveryAsync("nbr_000000000000000000000002"), Is.EqualTo(("parked", 8)), "only the one named");
            Assert.That(unknown.ExitCode, Is.EqualTo(1));
            Assert.That(unknown.Stderr, Does.Contain("no parked delivery of record 'nbr_nosuchrecord'"));
        });
    }

    [Test]
    public async Task Should_queue_every_parked_delivery_again_with_all()
    {
        await ParkAsync("nbr_000000000000000000000001", 1);
        await ParkAsync("nbr_000000000000000000000002", 2);

        var retried = await Deliveries("retry", "--all");
        var parked = await Deliveries("parked");

        Assert.Multiple(async () =>
        {
            Assert.That(retried.ExitCode, Is.EqualTo(0), retried.Stderr);
            Assert.That(retried.Stdout, Does.StartWith("Queued 2 parked deliveries"));
            Assert.That(await DeliveryAsync("nbr_000000000000000000000002"), Is.EqualTo(("pending", 0)));
            Assert.That(parked.Stdout, Does.StartWith("No parked deliveries"));
        });
    }

    [TestCase("parked", "extra")]
    [TestCase("retry")]
    [TestCase("retry", "--everything")]
    [TestCase("resend")]
    public async Task Should_show_the_usage_for_a_wrong_command_line(params string[] args)
    {
        var result = await Deliveries(args);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Stderr, Does.Contain("usage: eprx deliveries parked | retry RECORD_ID|--all"));
    }
}
