using System.Collections.Concurrent;
using Dapper;
using EPrescription.Contracts;
using EPrescription.Server.Messaging;
using EPrescription.Server.Outbox;
using EPrescription.Server.Storage;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EPrescription.Server.Tests.Outbox;

/// <summary>
/// Several relays (processes) on one database claim rows before publishing, so every event is published exactly once and none
/// is left behind. Two real relays, a real in-memory MassTransit bus and a consumer that records what arrives.
/// </summary>
public class OutboxRelayTests
{
    private const int Events = 300;

    public static IEnumerable<DatabaseProvider> Providers => TestDatabases.All;

    private sealed class Recorder(ConcurrentBag<Guid> received) : IConsumer<PrescriptionRegistered>
    {
        public Task Consume(ConsumeContext<PrescriptionRegistered> context)
        {
            received.Add(context.MessageId!.Value);
            return Task.CompletedTask;
        }
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_publish_every_event_exactly_once_with_two_relays_claiming_at_once(DatabaseProvider provider)
    {
        var database = await TestDatabases.FreshAsync(provider);
        var written = new List<Guid>();
        for (var i = 0; i < Events; i += 50)
        {
            await database.InTransactionAsync(async (connection, transaction) =>
            {
                for (var j = 0; j < 50; j++)
                {
                    var id = Guid.NewGuid();
                    written.Add(id);
                    await OutboxWriter.AddAsync(connection, transaction, id, id,
                        new PrescriptionRegistered(id, id, $"P{i + j}", "1311234567", new DateOnly(2025, 6, 10), new DateOnly(2025, 6, 13), DateTime.UtcNow), DateTime.UtcNow);
                }
            });
        }

        var received = new ConcurrentBag<Guid>();
        await using var services = new ServiceCollection()
            .AddSingleton(received)
            .AddMassTransit(bus =>
            {
                bus.AddConsumer<Recorder>();
                bus.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            })
            .BuildServiceProvider();
        var control = services.GetRequiredService<IBusControl>();
        await control.StartAsync();
        try
        {
            OutboxRelay Relay() => new(database, control, TimeProvider.System, NullLogger<OutboxRelay>.Instance, Options.Create(new BusOptions()));
            var relays = new[] { Relay(), Relay() };
            await Task.WhenAll(relays.Select(relay => Task.Run(async () =>
            {
                // Each relay claims small batches until nothing is left for it.
                while (await relay.RelayOnceAsync(CancellationToken.None) > 0) { }
            })));

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (received.Count < Events && DateTime.UtcNow < deadline) await Task.Delay(50);
            await using var connection = await database.OpenAsync();
            var unpublished = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL");

            Assert.Multiple(() =>
            {
                Assert.That(unpublished, Is.EqualTo(0), "every row is marked published");
                Assert.That(received, Has.Count.EqualTo(Events), "each event arrives once: none twice, none missing");
                Assert.That(received.Distinct(), Is.EquivalentTo(written));
            });
        }
        finally
        {
            await control.StopAsync();
        }
    }
}
