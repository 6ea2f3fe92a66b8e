using System.Net;
using EPrescription.Server.Messaging;
using EPrescription.Server.Outbox;
using EPrescription.Server.Storage;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EPrescription.Api.Tests.Outages;

/// <summary>
/// An outbox relay claims a batch of events, cannot publish them (its broker connection is cut) and dies. Another relay
/// publishes them within seconds, not after a long claim runs out: claims are short and renewed only while their relay lives.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
[NonParallelizable]
public sealed class OutboxTakeoverTests(DatabaseProvider provider)
{
    [Test]
    public async Task Should_publish_the_events_a_dead_relay_had_claimed_within_seconds()
    {
        var rabbitMq = Environment.GetEnvironmentVariable("EPRX_TEST_RABBITMQ");
        if (string.IsNullOrWhiteSpace(rabbitMq)) Assert.Ignore("EPRX_TEST_RABBITMQ is not set: run the tests through scripts/test.sh.");
        // An API-only process writes the events; no relay of its own publishes them.
        await using var api = await ApiFixture.StartInstanceAsync(provider, "_takeover", reset: true, arguments: ["--Bus:RunPrescriptionServer=false"]);
        for (var visit = 0; visit < 3; visit++)
        {
            var document = Rx.Write(Rx.Records().Select(r => r.Number == "11" ? Rx.With(r, (1, $"90000{visit}")) : r));
            using var registered = await api.PostAsync("/v1/prescriptions", Server.Clients.DevClients.Clinic, System.Net.Http.Json.JsonContent.Create(Signed.Detached(document)));
            Assert.That(registered.StatusCode, Is.EqualTo(HttpStatusCode.Created), await registered.Content.ReadAsStringAsync());
        }

        await DieWhilePublishingAsync(api.Database, new Uri(rabbitMq!));
        Assert.That(await api.CountAsync("outbox", "published_at IS NULL AND claimed_by IS NOT NULL"), Is.EqualTo(3), "the dead relay's claim");

        // A prescription server (with its relay) starts on the same database.
        await using var server = await ApiFixture.StartInstanceAsync(provider, "_takeover", reset: false);
        var until = DateTime.UtcNow.AddSeconds(20);
        while (await server.CountAsync("outbox", "published_at IS NULL") > 0 && DateTime.UtcNow < until) await Task.Delay(200);

        Assert.That(await server.CountAsync("outbox", "published_at IS NULL"), Is.Zero, "events still waiting for the dead relay's claim to run out");
    }

    /// <summary>
    /// A relay on <paramref name="database"/> whose broker connection (through a proxy) is cut claims the events, hangs
    /// publishing the first, and is stopped there, as a process that dies.
    /// </summary>
    private static async Task DieWhilePublishingAsync(Database database, Uri rabbitMq)
    {
        await using var proxy = new TcpProxy(rabbitMq.Host, rabbitMq.Port > 0 ? rabbitMq.Port : 5672);
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(new UriBuilder(rabbitMq) { Host = "127.0.0.1", Port = proxy.Port }.Uri, h => h.PublisherConfirmation = true));
        await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        try
        {
            proxy.Cut();
            var relay = new OutboxRelay(database, bus, TimeProvider.System, NullLogger<OutboxRelay>.Instance, Options.Create(new BusOptions()));
            using var dies = new CancellationTokenSource();
            var relaying = relay.RelayOnceAsync(dies.Token);
            var until = DateTime.UtcNow.AddSeconds(20);
            while (!relaying.IsCompleted && await CountClaimedAsync(database) < 3 && DateTime.UtcNow < until) await Task.Delay(100);
            await dies.CancelAsync();
            try
            {
                await relaying;
            }
            catch (Exception)
            {
                // Stopped mid-publish, as intended.
            }
        }
        finally
        {
            proxy.Restore();
            await bus.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        }
    }

    private static async Task<int> CountClaimedAsync(Database database)
    {
        await using var connection = await database.OpenAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<int>(connection, "SELECT COUNT(*) FROM outbox WHERE claimed_by IS NOT NULL AND published_at IS NULL");
    }
}
