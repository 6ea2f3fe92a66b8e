using System.Net;
using System.Net.Sockets;
using EPrescription.Api.Tests.Notebook;
using EPrescription.NotebookSync.Webhooks;
using EPrescription.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EPrescription.Api.Tests.Operations;

/// <summary>
/// The backlog gauges an operator alerts on: events waiting in the outbox, webhook deliveries parked, and their age; counted
/// in the background on the real database (every 0.2 s here), so a scrape never waits for the database, even when it is down.
/// Each scenario runs a service of its own, since services in one process would report into one gauge.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class BacklogGaugeTests(DatabaseProvider provider) : NotebookScenario(provider)
{
    private static void CountOften(WebApplicationBuilder builder) =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Telemetry:Backlog:Interval"] = "00:00:00.200" });

    [Test]
    public async Task Should_report_the_events_waiting_in_the_outbox_and_the_age_of_the_oldest()
    {
        // An API-only process reporting the outbox: no relay here, so what is registered stays waiting, as behind a broker outage.
        await using var service = await ApiFixture.StartInstanceAsync(Provider, "_backlog", reset: true,
            ["--Bus:RunPrescriptionServer=false", "--Bus:RunNotebookSync=false", "--Telemetry:Backlog:Outbox=true"], CountOften);
        Api = service;
        await RegisterVisitAsync(1);
        await RegisterVisitAsync(2);

        Scrape? scrape = null;
        await EventuallyAsync(async () => (scrape = await Scrape.TakeAsync(service.Http)).Has("eprx_outbox_waiting") && scrape.Single("eprx_outbox_waiting") == 2,
            "two events waiting in the outbox");
        Assert.Multiple(() =>
        {
            Assert.That(scrape!.Single("eprx_outbox_oldest_age_seconds"), Is.GreaterThanOrEqualTo(0));
            Assert.That(scrape.Has("eprx_webhooks_parked"), Is.False, "webhook gauges only where the notebook sync runs");
        });
    }

    [Test]
    public async Task Should_report_parked_webhook_deliveries_as_the_operator_sees_them()
    {
        await using var service = await ApiFixture.StartInstanceAsync(Provider, "_backlog", reset: true, configure: builder =>
        {
            CountOften(builder);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["NotebookSync:Webhooks:MaxAttempts"] = "1" });
        });
        Api = service;
        var (app, _) = await AddNotebookAppAsync("Notebook whose webhook is down", $"http://127.0.0.1:{ClosedPort()}/hook");
        var slip = await RegisterVisitAsync();
        await LinkAsync(slip, app);
        await DispenseAsync(slip);
        var deliveries = service.App.Services.GetRequiredService<Deliveries>();
        await EventuallyAsync(async () => (await deliveries.ParkedAsync()).Count == 1, "the delivery parked after its one attempt");

        Scrape? scrape = null;
        await EventuallyAsync(async () => (scrape = await Scrape.TakeAsync(service.Http)).Has("eprx_webhooks_parked") && scrape.Single("eprx_webhooks_parked") == 1,
            "one parked delivery at /metrics");
        Assert.Multiple(() =>
        {
            Assert.That(scrape!.Single("eprx_webhooks_parked_oldest_age_seconds"), Is.GreaterThanOrEqualTo(0));
            Assert.That(scrape.Single("eprx_webhooks_pending"), Is.Zero, "parked is not pending");
            Assert.That(scrape.Single("eprx_outbox_waiting"), Is.Zero, "the relay published everything");
        });
    }

    [Test]
    public async Task Should_export_every_metric_the_alert_rules_of_the_compose_prometheus_use()
    {
        var rules = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "prometheus", "alerts.yml"));
        var used = System.Text.RegularExpressions.Regex.Matches(rules, @"\b(eprx_[a-z_]+|http_server_[a-z_]+)\b").Select(m => m.Value).Distinct().ToList();
        await using var service = await ApiFixture.StartInstanceAsync(Provider, "_backlog", reset: true, configure: CountOften);
        Api = service;
        await RegisterVisitAsync();

        Scrape? scrape = null;
        await EventuallyAsync(async () => (scrape = await Scrape.TakeAsync(service.Http)).Has("eprx_outbox_waiting"), "the backlog counted");
        Assert.That(used, Is.Not.Empty);
        Assert.That(used.Where(name => !scrape!.Has(name)), Is.Empty, "metrics the alert rules name that /metrics does not export");
    }

    /// <summary>A loopback port nothing listens on: connections to it are refused at once.</summary>
    internal static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>The database down: /metrics still answers at once, with the HTTP metrics, and leaves the backlog gauges out.</summary>
public sealed class MetricsWithoutDatabaseTests
{
    [Test]
    public async Task Should_answer_a_scrape_while_the_database_does_not()
    {
        await using var service = await ApiFixture.StartInstanceAsync(DatabaseProvider.Sqlite, "_nodb", reset: false, configure: builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                // PostgreSQL on a port where nothing listens: every connection is refused.
                ["Database:Provider"] = "PostgreSql",
                ["Database:ConnectionString"] = $"Host=127.0.0.1;Port={BacklogGaugeTests.ClosedPort()};Username=eprx;Password=eprx;Database=eprx;Timeout=2",
                ["Database:Migrate"] = "false",
                ["DevClients:Seed"] = "false",
                ["Telemetry:Backlog:Interval"] = "00:00:00.200",
            }));
        using (var ready = await service.GetAsync("/health/ready", null))
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the database is really down");

        var scrape = await Scrape.TakeAsync(service.Http);

        Assert.Multiple(() =>
        {
            Assert.That(scrape.Has("http_server_request_duration_seconds_count", "http_route=/health/ready", "http_response_status_code=503"), Is.True);
            Assert.That(scrape.Has("eprx_outbox_waiting"), Is.False, "no backlog count without the database");
            Assert.That(scrape.Has("eprx_webhooks_parked"), Is.False, "no backlog count without the database");
        });
    }
}
