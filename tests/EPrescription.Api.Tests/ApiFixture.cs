using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Dapper;
using EPrescription.Server.Clients;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Respawn;

namespace EPrescription.Api.Tests;

/// <summary>
/// The real service, started once per database provider on a free loopback port: SQLite (a temp file), the PostgreSQL that
/// scripts/test.sh starts (EPRX_TEST_POSTGRES) and SQL Server when EPRX_TEST_SQLSERVER is set. Before each test the database is
/// emptied (Respawn; SQLite by hand) and the development clients are seeded again, so every test starts from a fresh install.
/// The bus is in memory unless a scenario asks for RabbitMQ (EPRX_TEST_RABBITMQ), which gets a service of its own with its own
/// database and queue-name prefix. Every service reads the time from <see cref="Clock"/>, which follows the system clock until
/// a scenario sets it.
/// </summary>
public sealed class ApiFixture : IAsyncDisposable
{
    /// <summary>The providers every scenario runs on (the argument of [TestFixtureSource]).</summary>
    public static IEnumerable<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql, DatabaseProvider.SqlServer];

    /// <summary>
    /// A database of this test project's own, so test projects running at once do not reset each other's data;
    /// EPRX_TEST_DATABASE_NAME gives one run a name of its own (two runs of this project at once on one server).
    /// </summary>
    private static readonly string DatabaseName = Environment.GetEnvironmentVariable("EPRX_TEST_DATABASE_NAME") is { Length: > 0 } name
        ? name
        : "eprx_api_tests" + Environment.GetEnvironmentVariable("EPRX_TEST_DATABASE_SUFFIX");

    private static readonly Dictionary<(DatabaseProvider, BusTransport), ApiFixture> Started = [];
    private static readonly SemaphoreSlim Lock = new(1, 1);

    private readonly Respawner? _respawner;
    private readonly string? _sqliteFile;
    private string? _rabbitMq;

    private ApiFixture(WebApplication app, LogCollector logs, TestClock clock, Respawner? respawner, string? sqliteFile)
    {
        App = app;
        Logs = logs;
        Clock = clock;
        _respawner = respawner;
        _sqliteFile = sqliteFile;
        BaseAddress = new Uri(app.Urls.First(u => u.StartsWith("http://", StringComparison.Ordinal)));
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    /// <summary>A plain client without a key; requests set their own Authorization header.</summary>
    public HttpClient Http { get; }

    /// <summary>Every formatted message the service logged.</summary>
    public LogCollector Logs { get; }

    /// <summary>The service's clock (its TimeProvider): the system's time until a scenario sets it; reset before each test.</summary>
    public TestClock Clock { get; }

    /// <summary>The prefix of this service's queue names on RabbitMQ (null on the in-memory bus).</summary>
    public string? BusEndpointPrefix { get; private init; }

    public Database Database => App.Services.GetRequiredService<Database>();

    /// <summary>The running service on <paramref name="provider"/>, emptied and with the development clients seeded.</summary>
    public static Task<ApiFixture> ForAsync(DatabaseProvider provider) => ForAsync(provider, BusTransport.InMemory);

    /// <summary>The running service on <paramref name="provider"/> and <paramref name="transport"/>, emptied and seeded.</summary>
    public static async Task<ApiFixture> ForAsync(DatabaseProvider provider, BusTransport transport)
    {
        await Lock.WaitAsync();
        try
        {
            if (!Started.TryGetValue((provider, transport), out var fixture))
                Started[(provider, transport)] = fixture = await StartAsync(provider, transport);
            await fixture.ResetAsync();
            return fixture;
        }
        finally
        {
            Lock.Release();
        }
    }

    /// <summary>
    /// A service of its own, not shared, on the database named by <paramref name="databaseSuffix"/> (emptied and seeded when
    /// <paramref name="reset"/>, else as an earlier instance on that database left it), with <paramref name="configure"/>
    /// applied after the usual test configuration and <paramref name="arguments"/> on its command line (where the bus settings
    /// go). Several instances on one suffix share one database, as a scaled-out deployment does. The caller disposes it.
    /// </summary>
    public static async Task<ApiFixture> StartInstanceAsync(DatabaseProvider provider, string databaseSuffix, bool reset,
        IEnumerable<string>? arguments = null, Action<WebApplicationBuilder>? configure = null, BusTransport transport = BusTransport.InMemory)
    {
        var fixture = await StartAsync(provider, transport, databaseSuffix, arguments, configure);
        if (reset) await fixture.ResetAsync();
        return fixture;
    }

    /// <summary>Stops every started service (from the assembly's one-time tear-down).</summary>
    public static async Task StopAllAsync()
    {
        foreach (var fixture in Started.Values) await fixture.DisposeAsync();
        Started.Clear();
    }

    /// <summary>A request as <paramref name="client"/> would send it (no Authorization header when null).</summary>
    public HttpRequestMessage Request(HttpMethod method, string path, DevClient? client, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (client is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.ApiKey);
        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => Http.SendAsync(request);

    public Task<HttpResponseMessage> GetAsync(string path, DevClient? client) => SendAsync(Request(HttpMethod.Get, path, client));

    public Task<HttpResponseMessage> PostAsync(string path, DevClient? client, HttpContent? content = null) =>
        SendAsync(Request(HttpMethod.Post, path, client, content));

    /// <summary>Rows in a table, read through the service's own database connection.</summary>
    public async Task<int> CountAsync(string table, string where = "1 = 1", object? parameters = null)
    {
        await using var connection = await Database.OpenAsync();
        return await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM {table} WHERE {where}", parameters);
    }

    /// <summary>What a refused request must leave unchanged: no prescription, no history, no event, no remembered answer.</summary>
    public async Task AssertNothingStoredAsync()
    {
        foreach (var table in new[] { "prescriptions", "prescription_history", "outbox", "idempotency_keys" })
            Assert.That(await CountAsync(table), Is.Zero, $"rows in {table} after a refused request");
    }

    private static async Task<ApiFixture> StartAsync(DatabaseProvider provider, BusTransport transport, string? databaseSuffix = null,
        IEnumerable<string>? arguments = null, Action<WebApplicationBuilder>? configure = null)
    {
        var rabbitMq = transport == BusTransport.RabbitMq ? Environment.GetEnvironmentVariable("EPRX_TEST_RABBITMQ") : null;
        if (transport == BusTransport.RabbitMq && string.IsNullOrWhiteSpace(rabbitMq))
            Assert.Ignore("EPRX_TEST_RABBITMQ is not set: run the tests through scripts/test.sh, which starts RabbitMQ and sets it.");
        // A database of its own per transport, so one service's outbox relay never publishes another's events.
        var suffix = databaseSuffix ?? (transport == BusTransport.InMemory ? "" : "_" + transport.ToString().ToLowerInvariant());
        var (connectionString, sqliteFile) = ConnectionString(provider, suffix);
        var logs = new LogCollector();
        var clock = new TestClock();
        var prefix = transport == BusTransport.RabbitMq ? $"eprx-test-{Guid.NewGuid():N}"[..22] : null;
        var trust = Path.Combine(Repository.Root, "certs-dev", "trust");
        string[] args = ["--urls", "http://127.0.0.1:0"];
        if (transport == BusTransport.RabbitMq)
        {
            // On the command line, not in the configure callback: the bus is set up from the configuration before the callback runs.
            args =
            [
                .. args,
                "--Bus:Transport=RabbitMq",
                $"--Bus:RabbitMqUri={rabbitMq}",
                // Queues of their own: test runs (and other services) sharing the broker never take each other's messages.
                $"--Bus:EndpointPrefix={prefix}",
                // A request the broker lost during an outage is retried by the client; waiting 30 s for it only slows the tests.
                "--Bus:RequestTimeout=00:00:10",
                // Pharmacy requests travel over the broker, as from an API-only process, so these tests keep exercising that
                // path; the in-memory fixtures take the in-process path a single-process deployment uses.
                "--Bus:PharmacyRequests=Bus",
            ];
        }
        if (arguments is not null) args = [.. args, .. arguments];
        var app = ApiApplication.Build(args, builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Database:Provider"] = provider.ToString(),
                ["Database:ConnectionString"] = connectionString,
                ["Signatures:TrustAnchors:0"] = trust,
                ["Signatures:Crls:0"] = trust,
                ["Signatures:WatchForChanges"] = "false",
                ["PatientKeys:Secret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["DevClients:Seed"] = "true",
                // Webhook retries in fractions of a second, so delivery scenarios (failing, timing out, parking) stay quick.
                ["NotebookSync:Webhooks:BaseDelay"] = "00:00:00.100",
                ["NotebookSync:Webhooks:MaxDelay"] = "00:00:00.500",
                ["NotebookSync:Webhooks:Timeout"] = "00:00:01",
                ["NotebookSync:Webhooks:PollInterval"] = "00:00:00.100",
                // No backlog gauges: services in one process report into one gauge, so the tests of the gauges run services of their own.
                ["Telemetry:Backlog:Interval"] = "00:00:00",
            });
            builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddProvider(logs);
            configure?.Invoke(builder);
        });
        await ApiApplication.PrepareAsync(app);
        await app.StartAsync();

        Respawner? respawner = null;
        if (provider != DatabaseProvider.Sqlite)
        {
            await using var connection = await app.Services.GetRequiredService<Database>().OpenAsync();
            respawner = await Respawner.CreateAsync(connection, new RespawnerOptions
            {
                DbAdapter = provider == DatabaseProvider.PostgreSql ? DbAdapter.Postgres : DbAdapter.SqlServer,
                TablesToIgnore = ["schema_migrations"],
            });
        }
        return new ApiFixture(app, logs, clock, respawner, sqliteFile) { _rabbitMq = rabbitMq, BusEndpointPrefix = prefix };
    }

    private async Task ResetAsync()
    {
        Clock.FollowSystem();
        await using (var connection = await Database.OpenAsync())
        {
            if (_respawner is not null)
            {
                // The service's background work (outbox relay, expiry sweeper) may hold a row Respawn deletes: a deadlock
                // the database resolves by cancelling one side, which may be the reset. Once more is enough.
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await _respawner.ResetAsync(connection);
                        break;
                    }
                    catch (System.Data.Common.DbException e) when (attempt < 3 && e is PostgresException { SqlState: "40P01" } or SqlException { Number: 1205 })
                    {
                        await Task.Delay(100);
                    }
                }
            }
            else
            {
                // Respawn has no SQLite adapter. Empty every table but the migration record, tables added later included;
                // with foreign keys off for this connection the order does not matter.
                var tables = (await connection.QueryAsync<string>(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name <> 'schema_migrations'")).ToList();
                await connection.ExecuteAsync("PRAGMA foreign_keys=OFF;");
                foreach (var table in tables) await connection.ExecuteAsync($"DELETE FROM \"{table}\"");
                await connection.ExecuteAsync("PRAGMA foreign_keys=ON;");
            }
        }
        await DevClients.SeedAsync(App.Services.GetRequiredService<ClientStore>());
        Logs.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (_rabbitMq is not null && BusEndpointPrefix is not null) await DeleteQueuesAsync(_rabbitMq, BusEndpointPrefix);
        if (_sqliteFile is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { _sqliteFile, _sqliteFile + "-wal", _sqliteFile + "-shm" })
                File.Delete(file);
        }
    }

    /// <summary>This service's queues (durable quorum queues, which would outlive it) and their exchanges.</summary>
    private static async Task DeleteQueuesAsync(string uri, string prefix)
    {
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(uri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var endpoint in new[] { "receive-prescription", "return-prescription", "record-dispensing", "dispensing-recorded" })
        {
            foreach (var queue in new[] { $"{prefix}-{endpoint}", $"{prefix}-{endpoint}_error", $"{prefix}-{endpoint}_skipped" })
            {
                await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
                await channel.ExchangeDeleteAsync(queue);
            }
        }
    }

    private static (string ConnectionString, string? SqliteFile) ConnectionString(DatabaseProvider provider, string suffix)
    {
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                var file = Path.Combine(Path.GetTempPath(), $"eprx-api-tests-{Environment.ProcessId}{suffix}.db");
                return ($"Data Source={file}", file);
            case DatabaseProvider.PostgreSql:
                var postgres = Environment.GetEnvironmentVariable("EPRX_TEST_POSTGRES");
                if (string.IsNullOrWhiteSpace(postgres))
                    Assert.Ignore("EPRX_TEST_POSTGRES is not set: run the tests through scripts/test.sh, which starts PostgreSQL and sets it.");
                return (CreatePostgresDatabase(postgres!, DatabaseName + suffix), null);
            default:
                var sqlServer = Environment.GetEnvironmentVariable("EPRX_TEST_SQLSERVER");
                if (string.IsNullOrWhiteSpace(sqlServer))
                    Assert.Ignore("No SQL Server configured: set EPRX_TEST_SQLSERVER to a connection string to run the SQL Server tests.");
                return (CreateSqlServerDatabase(sqlServer!, DatabaseName + suffix), null);
        }
    }

    private static string CreatePostgresDatabase(string connectionString, string name)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            connection.Open();
            if (connection.ExecuteScalar("SELECT 1 FROM pg_database WHERE datname = @name", new { name }) is null)
                connection.Execute($"CREATE DATABASE {name}");
        }
        builder.Database = name;
        return builder.ConnectionString;
    }

    private static string CreateSqlServerDatabase(string connectionString, string name)
    {
        var builder = new SqlConnectionStringBuilder(connectionString);
        var master = new SqlConnectionStringBuilder(connectionString) { InitialCatalog = "master" };
        using (var connection = new SqlConnection(master.ConnectionString))
        {
            connection.Open();
            connection.Execute($"IF DB_ID(N'{name}') IS NULL CREATE DATABASE {name}");
        }
        builder.InitialCatalog = name;
        return builder.ConnectionString;
    }
}

/// <summary>Collects every message the service logs, formatted as it would be written, for the no-personal-data check.</summary>
public sealed class LogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _messages = new();

    public IReadOnlyList<string> Messages => [.. _messages];

    public string Text => string.Join('\n', _messages);

    public void Clear() => _messages.Clear();

    public ILogger CreateLogger(string categoryName) => new Collector(categoryName, _messages);

    public void Dispose()
    {
    }

    private sealed class Collector(string category, ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The structured values too: a sink that stores them (JSON logs) would leak them as surely as the message.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join("; ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            messages.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}

/// <summary>Starts nothing itself; stops the services the scenarios started.</summary>
[SetUpFixture]
public sealed class ApiServices
{
    [OneTimeTearDown]
    public Task StopAsync() => ApiFixture.StopAllAsync();
}
