using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EPrescription.Contracts;
using EPrescription.Server.Storage;
using MassTransit;

namespace EPrescription.Api.Tests.Notebook;

/// <summary>
/// The notebook sync scaled out: two processes with Bus:RunNotebookSync=true (the first also runs the prescription server and
/// takes the clinics' and pharmacies' requests, the second only syncs and serves the app) share one RabbitMQ queue and one
/// PostgreSQL database. Many dispensings of several patients, all linked to one app, are split between the two consumers; the
/// app, paging its feed with cursors while they work, gets every dispensing exactly once, each patient's in dispensing order.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ScaleOutTests() : NotebookScenario(DatabaseProvider.PostgreSql)
{
    private const int Patients = 6;
    private const int VisitsPerPatient = 5;
    private const string Database = "_notebook_scale";

    [Test]
    public async Task Should_split_dispensings_between_two_sync_processes_and_give_the_app_each_once_in_order_per_patient()
    {
        var rabbitMq = Environment.GetEnvironmentVariable("EPRX_TEST_RABBITMQ");
        if (string.IsNullOrWhiteSpace(rabbitMq))
            Assert.Ignore("EPRX_TEST_RABBITMQ is not set: run the tests through scripts/test.sh, which starts RabbitMQ and sets it.");
        var prefix = $"eprx-scale-{Guid.NewGuid():N}"[..22];
        // Both on the same queues (one prefix): RabbitMQ hands each DispensingRecorded to one of the two consumers.
        string[] bus = ["--Bus:Transport=RabbitMq", $"--Bus:RabbitMqUri={rabbitMq}", $"--Bus:EndpointPrefix={prefix}", "--Bus:RequestTimeout=00:00:10"];
        var consumedByServer = new DispensingRecordedCounter();
        var consumedBySync = new DispensingRecordedCounter();
        var api = Api;
        try
        {
            await using var server = await ApiFixture.StartInstanceAsync(Provider, Database, reset: true, bus,
                builder => builder.Services.AddConsumeObserver(_ => consumedByServer));
            await using var sync = await ApiFixture.StartInstanceAsync(Provider, Database, reset: false, [.. bus, "--Bus:RunPrescriptionServer=false"],
                builder => builder.Services.AddConsumeObserver(_ => consumedBySync));
            Api = server;

            // Every patient's visits registered, received and linked first; then each patient's dispensings back to back (in
            // dispensing order), the patients at once, so events of one patient reach both consumers close together.
            var visits = new List<Slip>[Patients];
            for (var patient = 0; patient < Patients; patient++)
            {
                visits[patient] = [];
                for (var visit = 1; visit <= VisitsPerPatient; visit++) visits[patient].Add(await RegisterVisitAsync(visit, patient));
                using var link = await sync.PostAsync("/v1/notebook/links", NotebookApp,
                    JsonContent.Create(new { prescriptionId = visits[patient][0].Id, exchangeCode = visits[patient][0].ExchangeCode }));
                await ExpectAsync(link, HttpStatusCode.Created);
                foreach (var slip in visits[patient]) await ReceiveAsync(slip);
            }

            var expected = Patients * VisitsPerPatient;
            var pagedWhileWorking = new List<JsonElement>();
            using var stopReading = new CancellationTokenSource();
            var reader = Task.Run(async () =>
            {
                // The app polls as a real one does: small pages, each from the previous page's cursor.
                string? cursor = null;
                var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
                while (pagedWhileWorking.Count < expected && DateTime.UtcNow < deadline)
                {
                    var query = "/v1/notebook/records?limit=7" + (cursor is null ? "" : "&after=" + Uri.EscapeDataString(cursor));
                    using var response = await sync.GetAsync(query, NotebookApp);
                    var page = await ExpectAsync(response, HttpStatusCode.OK);
                    pagedWhileWorking.AddRange(page.GetProperty("records").EnumerateArray());
                    cursor = page.GetProperty("nextCursor").GetString();
                    if (!page.GetProperty("hasMore").GetBoolean()) await Task.Delay(50);
                }
            });
            await Parallel.ForEachAsync(visits, new ParallelOptions { MaxDegreeOfParallelism = Patients }, async (patientVisits, _) =>
            {
                foreach (var slip in patientVisits) await DispenseReceivedAsync(slip);
            });
            await reader;

            var whole = await FeedOfAsync(sync);
            var dispensed = visits.SelectMany(v => v).Select(v => v.Id).ToList();
            TestContext.Out.WriteLine($"DispensingRecorded consumed: {consumedByServer.Count} by the first process, {consumedBySync.Count} by the second");
            Assert.Multiple(() =>
            {
                Assert.That(consumedByServer.Count, Is.GreaterThan(0), "the first process consumed DispensingRecorded events");
                Assert.That(consumedBySync.Count, Is.GreaterThan(0), "the second process consumed DispensingRecorded events");
                Assert.That(consumedByServer.Count + consumedBySync.Count, Is.GreaterThanOrEqualTo(expected), "every event consumed (at least once)");
                Assert.That(PrescriptionsOf(whole), Is.EquivalentTo(dispensed), "every dispensing exactly once");
                Assert.That(Ids(whole), Is.Unique, "one record id per record");
                Assert.That(Ids(pagedWhileWorking), Is.EqualTo(Ids(whole)), "paging with cursors while records were written skipped and repeated nothing");
                for (var patient = 0; patient < Patients; patient++)
                {
                    var mine = visits[patient].Select(v => v.Id).ToHashSet();
                    Assert.That(PrescriptionsOf(whole).Where(mine.Contains), Is.EqualTo(visits[patient].Select(v => v.Id)), $"patient {patient} in dispensing order");
                }
            });
        }
        finally
        {
            Api = api;
            await DeleteQueuesAsync(rabbitMq!, prefix);
        }
    }

    private async Task ReceiveAsync(Slip slip)
    {
        using var received = await Api.PostAsync($"/v1/prescriptions/{slip.Id}/receive", Pharmacy, JsonContent.Create(new { exchangeCode = slip.ExchangeCode }));
        await ExpectAsync(received, HttpStatusCode.OK);
    }

    private async Task DispenseReceivedAsync(Slip slip)
    {
        var document = DispensingDocument();
        using var dispensed = await Api.PostAsync($"/v1/prescriptions/{slip.Id}/dispensing", Pharmacy,
            JsonContent.Create(Signed.Body(document, Sign(document, "pharmacist"))));
        await ExpectAsync(dispensed, HttpStatusCode.OK);
    }

    private static async Task<List<JsonElement>> FeedOfAsync(ApiFixture instance)
    {
        var records = new List<JsonElement>();
        string? after = null;
        while (true)
        {
            using var response = await instance.GetAsync("/v1/notebook/records?limit=1000" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)), NotebookApp);
            var page = await ExpectAsync(response, HttpStatusCode.OK);
            records.AddRange(page.GetProperty("records").EnumerateArray());
            if (!page.GetProperty("hasMore").GetBoolean()) return records;
            after = page.GetProperty("nextCursor").GetString();
        }
    }

    private static List<string> PrescriptionsOf(IEnumerable<JsonElement> records) =>
        records.Select(r => r.GetProperty("prescriptionId").GetString()!).ToList();

    /// <summary>The queues of this prefix (durable quorum queues outlive the processes) and their exchanges.</summary>
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

    /// <summary>Counts the DispensingRecorded events one process's consumers handled without a fault.</summary>
    private sealed class DispensingRecordedCounter : IConsumeObserver
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class
        {
            if (typeof(T) == typeof(DispensingRecorded)) Interlocked.Increment(ref _count);
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }
}
