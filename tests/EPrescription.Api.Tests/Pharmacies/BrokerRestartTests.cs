using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EPrescription.Api.Tests.Outages;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Pharmacies;

/// <summary>
/// The broker "restarts" in the middle of a run of lifecycles: a TCP proxy between this test's own service and the shared
/// RabbitMQ resets every connection and refuses new ones for a few seconds. The shared broker is never touched, so test
/// projects running at the same time keep theirs. Pharmacy systems retry what failed (503 or no answer); at the end nothing
/// is lost, nothing is done twice, every event is published and no command is parked in an error queue.
/// </summary>
/// <remarks>
/// What this covers: the service losing every broker connection (publisher, consumers, request clients; pharmacy requests
/// travel over the bus here, as from an API-only process) and getting them back. The broker itself keeps its queues and the
/// messages in them, as a restart of a broker with durable quorum queues does; a broker that loses messages it had confirmed
/// is not what this test covers.
/// </remarks>
[TestFixtureSource(nameof(RabbitMqFixtures))]
[NonParallelizable]
public sealed class BrokerRestartTests(DatabaseProvider provider, BusTransport transport) : PharmacyScenario(provider, transport)
{
    private const int Lifecycles = 200;
    private const int InParallel = 4;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(4);
    private int _unavailable;
    private int _unanswered;

    public static IEnumerable<TestFixtureData> RabbitMqFixtures =>
        Fixtures.Where(f => (BusTransport)f.Arguments[1]! == BusTransport.RabbitMq);

    [Test]
    public async Task Should_lose_nothing_and_do_nothing_twice_when_the_broker_restarts_mid_run()
    {
        var broker = new Uri(Environment.GetEnvironmentVariable("EPRX_TEST_RABBITMQ")!);
        await using var proxy = new TcpProxy(broker.Host, broker.Port > 0 ? broker.Port : 5672);
        await using var service = await StartBehindAsync(proxy);
        Api = service;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var cut = await proxy.CutDuringAsync(Lifecycles, InParallel, Outage, LifecycleAsync, deadline.Token);

        TestContext.Out.WriteLine($"connections cut: {cut}, retried after 503: {_unavailable}, after no answer: {_unanswered}");
        // Without this the run could pass with the service not connected through the proxy at all.
        Assert.That(cut, Is.Positive, "the service's broker connections went through the proxy and were cut");
        Assert.Multiple(async () =>
        {
            Assert.That(await Api.CountAsync("prescriptions"), Is.EqualTo(Lifecycles));
            Assert.That(await Api.CountAsync("prescriptions", "status = 'dispensed'"), Is.EqualTo(Lifecycles));
            Assert.That(await Api.CountAsync("dispensings"), Is.EqualTo(Lifecycles));
            Assert.That(await Api.CountAsync("(SELECT DISTINCT prescription_id FROM dispensings) d"), Is.EqualTo(Lifecycles));
            Assert.That(await Api.CountAsync("prescription_history", "action = 'receive'"), Is.EqualTo(Lifecycles));
            Assert.That(await Api.CountAsync("prescription_history", "action = 'dispense'"), Is.EqualTo(Lifecycles));
            Assert.That(await Api.CountAsync("outbox"), Is.EqualTo(3 * Lifecycles), "registered, received, dispensing recorded: one each");
        });
        await AssertEveryEventPublishedAsync(TimeSpan.FromSeconds(60));
        Assert.That(await ParkedCommandsAsync(broker), Is.Zero, "commands parked in _error queues");
    }

    /// <summary>Register → receive → dispense as a pharmacy system that retries would drive it.</summary>
    private async Task LifecycleAsync(int visit, CancellationToken cancellationToken)
    {
        var document = PrescriptionForVisit(visit);
        var signature = Sign(document, Signed.Doctor);
        var idempotencyKey = $"restart-{visit}";
        var registered = await UntilAnsweredAsync(() =>
        {
            var request = Api.Request(HttpMethod.Post, "/v1/prescriptions", Clinic, JsonContent.Create(Signed.Body(document, signature)));
            request.Headers.Add("Idempotency-Key", idempotencyKey);
            return request;
        }, cancellationToken);
        var answer = await ExpectAsync(registered, HttpStatusCode.Created);
        var id = answer.GetProperty("prescriptionId").GetString()!;
        var code = answer.GetProperty("exchangeCode").GetString()!;

        // A retry after a receive that succeeded unseen is harmless: the holder asking again gets the same answer.
        using var received = await UntilAnsweredAsync(
            () => Api.Request(HttpMethod.Post, $"/v1/prescriptions/{id}/receive", Pharmacy, JsonContent.Create(new { exchangeCode = code })), cancellationToken);
        await ExpectAsync(received, HttpStatusCode.OK);

        var body = DispensingBody();
        using var dispensed = await UntilAnsweredAsync(
            () => Api.Request(HttpMethod.Post, $"/v1/prescriptions/{id}/dispensing", Pharmacy, JsonContent.Create(body)), cancellationToken);
        if (dispensed.StatusCode == HttpStatusCode.Conflict)
        {
            // A retry after a dispensing that succeeded unseen: success only if the prescription is indeed dispensed.
            var problem = await ExpectProblemAsync(dispensed, HttpStatusCode.Conflict, "ALREADY_DISPENSED");
            Assert.That((await StatusAsync(id)).GetProperty("status").GetString(), Is.EqualTo("dispensed"), problem.GetRawText());
        }
        else
        {
            await ExpectAsync(dispensed, HttpStatusCode.OK);
        }
    }

    /// <summary>Sends the request until the service answers with something other than 503, or no answer at all.</summary>
    private async Task<HttpResponseMessage> UntilAnsweredAsync(Func<HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(20));
                var response = await Api.Http.SendAsync(request(), timeout.Token);
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable) return response;
                Interlocked.Increment(ref _unavailable);
                var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement;
                Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("SERVICE_UNAVAILABLE"));
                response.Dispose();
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // No answer in time: retry the same request.
                Interlocked.Increment(ref _unanswered);
            }
            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary>
    /// A service of its own on a database of its own, its bus connected to RabbitMQ through <paramref name="proxy"/> (the
    /// later --Bus:RabbitMqUri on the command line wins over the fixture's). Its queues have a prefix of their own.
    /// </summary>
    private Task<ApiFixture> StartBehindAsync(TcpProxy proxy)
    {
        var viaProxy = new UriBuilder(Environment.GetEnvironmentVariable("EPRX_TEST_RABBITMQ")!) { Host = "127.0.0.1", Port = proxy.Port }.Uri;
        return ApiFixture.StartInstanceAsync(Provider, "_broker_outage", reset: true, arguments: [$"--Bus:RabbitMqUri={viaProxy}"], transport: Transport);
    }

    /// <summary>Messages in this service's error queues (those that exist), asked of the broker directly.</summary>
    private async Task<uint> ParkedCommandsAsync(Uri broker)
    {
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = broker };
        await using var connection = await factory.CreateConnectionAsync();
        uint parked = 0;
        foreach (var endpoint in new[] { "receive-prescription", "return-prescription", "record-dispensing", "dispensing-recorded" })
        {
            // A passive declare of a missing queue closes the channel: one channel per queue.
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                parked += (await channel.QueueDeclarePassiveAsync($"{Api.BusEndpointPrefix}-{endpoint}_error")).MessageCount;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                // No error queue: nothing was ever parked there.
            }
        }
        return parked;
    }
}
