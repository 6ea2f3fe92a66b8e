using System.Text.Json;
using Dapper;
using EPrescription.Contracts;
using EPrescription.Server.Outbox;
using EPrescription.Server.Storage;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EPrescription.Api.Tests.Notebook;

/// <summary>
/// The notebook sync is down while pharmacies keep dispensing: the dispensings wait in the outbox, and when a service with the
/// notebook sync comes up on the same database the outbox relay and the at-least-once consumer turn them into records, in
/// dispensing order. A redelivered event changes nothing.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class SyncRestartTests(DatabaseProvider provider) : NotebookScenario(provider)
{
    private const string Database = "_notebook_restart";

    [Test]
    public async Task Should_create_the_records_of_dispensings_made_while_the_sync_was_down_once_it_is_up()
    {
        // The API and prescription server without the notebook sync; its outbox relay is off too, as if the process stopped
        // before publishing: on the in-memory bus an event published with no consumer listening would be gone, which is why
        // the embedded mode runs every role in one process (on RabbitMQ the notebook-sync queue would hold them).
        await using var withoutSync = await ApiFixture.StartInstanceAsync(Provider, Database, reset: true, ["--Bus:RunNotebookSync=false"],
            builder => builder.Services.Remove(builder.Services.Single(s => s.ServiceType == typeof(IHostedService) && s.ImplementationType == typeof(OutboxRelay))));
        var api = Api;
        Api = withoutSync;
        try
        {
            var visits = new List<Slip>();
            for (var visit = 1; visit <= 3; visit++) visits.Add(await RegisterVisitAsync(visit));
            await LinkAsync(visits[0]);
            foreach (var slip in visits) await DispenseAsync(slip);
            Assert.Multiple(async () =>
            {
                Assert.That(await Api.CountAsync("outbox", "published_at IS NULL AND message_type LIKE '%DispensingRecorded'"), Is.EqualTo(3));
                Assert.That(await FeedAsync(), Is.Empty, "nothing consumed while the sync is down");
            });

            await using var withSync = await ApiFixture.StartInstanceAsync(Provider, Database, reset: false);
            Api = withSync;
            var records = await FeedWhenAsync(3);
            Assert.That(records.Select(r => r.GetProperty("prescriptionId").GetString()), Is.EqualTo(visits.Select(v => v.Id)), "in dispensing order");

            // The bus delivers at least once: the same event again (same MessageId), and the same dispensing under another
            // MessageId (an event published twice), create nothing new.
            await EveryEventPublishedAsync();
            var first = await FirstDispensingRecordedAsync();
            var republished = first with { MessageId = NewId.NextGuid() };
            var bus = Api.App.Services.GetRequiredService<IBus>();
            await bus.Publish(first, context => context.MessageId = first.MessageId);
            await bus.Publish(republished, context => context.MessageId = republished.MessageId);
            await EventuallyAsync(async () => await Api.CountAsync("processed_messages", "message_id = @id", new { id = republished.MessageId.ToString() }) == 1,
                "the republished event was consumed");
            await Task.Delay(500); // and the redelivered one had as long

            Assert.Multiple(async () =>
            {
                Assert.That(Ids(await FeedAsync()), Is.EqualTo(Ids(records)));
                Assert.That(await Api.CountAsync("notebook_records"), Is.EqualTo(3));
            });
        }
        finally
        {
            Api = api;
        }
    }

    private async Task<DispensingRecorded> FirstDispensingRecordedAsync()
    {
        await using var connection = await Api.Database.OpenAsync();
        var payload = await connection.QueryFirstAsync<string>("SELECT payload FROM outbox WHERE message_type LIKE '%DispensingRecorded' ORDER BY id");
        return JsonSerializer.Deserialize<DispensingRecorded>(payload, JsonSerializerOptions.Web)!;
    }
}
