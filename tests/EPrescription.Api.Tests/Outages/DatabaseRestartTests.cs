using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EPrescription.Api.Tests.Pharmacies;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace EPrescription.Api.Tests.Outages;

/// <summary>
/// PostgreSQL "restarts" for 5 s in the middle of a run of lifecycles: a TCP proxy between the service and the shared server
/// resets every connection and refuses new ones. Clinic and pharmacy systems retry what got 503 or no answer. No request gets
/// a 500; every 503 says SERVICE_UNAVAILABLE with Retry-After; a retried dispensing gets its first answer, not a conflict; no
/// command is parked in an error queue; and at the end every change is there once, with its audit entry.
/// </summary>
[TestFixtureSource(nameof(PostgreSqlFixtures))]
[NonParallelizable]
public sealed class DatabaseRestartTests(DatabaseProvider provider, BusTransport transport) : PharmacyScenario(provider, transport)
{
    private const int Lifecycles = 60;
    private const int InParallel = 4;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);
    private readonly List<string> _failures = [];
    private int _unavailable;
    private int _unanswered;

    public static IEnumerable<TestFixtureData> PostgreSqlFixtures =>
        Fixtures.Where(f => (DatabaseProvider)f.Arguments[0]! == DatabaseProvider.PostgreSql);

    [Test]
    public async Task Should_answer_503_with_Retry_After_and_lose_nothing_while_the_database_restarts()
    {
        var server = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("EPRX_TEST_POSTGRES"));
        await using var proxy = new TcpProxy(server.Host!, server.Port);
        await using var service = await StartBehindAsync(proxy);
        Api = service;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await proxy.CutDuringAsync(Lifecycles, InParallel, Outage, LifecycleAsync, deadline.Token);

        TestContext.Out.WriteLine($"retried after 503: {_unavailable}, after no answer: {_unanswered}");
        Assert.That(_failures, Is.Empty, "answers that are neither success, 503 with Retry-After, nor no answer");
        Assert.That(_unavailable + _unanswered, Is.Positive, "the outage was noticed");
        Assert.Multiple(async () =>
        {
            Assert.That(await Api.CountAsync("prescriptions"), Is.EqualTo(Lifecycles));
            Assert.That(await Api.CountAsync("prescriptions", "status = 'dispensed'"), Is.EqualTo(Lifecycles));
            Assert.That(await Api.CountAsync("dispensings"), Is.EqualTo(Lifecycles));
            Assert.That(await Api.CountAsync("prescription_history", "action = 'receive'"), Is.EqualTo(Lifecycles));
            Assert.That(await Api.CountAsync("prescription_history", "action = 'dispense'"), Is.EqualTo(Lifecycles));
            Assert.That(await Api.CountAsync("outbox"), Is.EqualTo(3 * Lifecycles), "registered, received, dispensing recorded: one each");
            foreach (var action in new[] { "prescription.register", "prescription.receive", "prescription.dispense" })
            {
                Assert.That(await Api.CountAsync("(SELECT DISTINCT prescription_id FROM audit_log WHERE action = @action AND outcome = 'OK') a", parameters: new { action }),
                    Is.EqualTo(Lifecycles), $"every prescription has its {action} entry");
            }
        });
        await AssertEveryEventPublishedAsync(TimeSpan.FromSeconds(60));
        if (Transport == BusTransport.RabbitMq) Assert.That(await ParkedCommandsAsync(), Is.Zero, "commands parked in _error queues");
    }

    /// <summary>Register → receive → dispense as clinic and pharmacy systems that retry would drive it.</summary>
    private async Task LifecycleAsync(int visit, CancellationToken cancellationToken)
    {
        var document = PrescriptionForVisit(visit);
        var signature = Sign(document, Signed.Doctor);
        using var registered = await UntilAnsweredAsync(() =>
            Api.Request(HttpMethod.Post, "/v1/prescriptions", Clinic, JsonContent.Create(Signed.Body(document, signature))), HttpStatusCode.Created, cancellationToken);
        var answer = JsonDocument.Parse(await registered.Content.ReadAsStringAsync(cancellationToken)).RootElement;
        var id = answer.GetProperty("prescriptionId").GetString()!;
        var code = answer.GetProperty("exchangeCode").GetString()!;

        (await UntilAnsweredAsync(() => Api.Request(HttpMethod.Post, $"/v1/prescriptions/{id}/receive", Pharmacy, JsonContent.Create(new { exchangeCode = code })),
            HttpStatusCode.OK, cancellationToken)).Dispose();

        var body = DispensingBody();
        (await UntilAnsweredAsync(() => Api.Request(HttpMethod.Post, $"/v1/prescriptions/{id}/dispensing", Pharmacy, JsonContent.Create(body)),
            HttpStatusCode.OK, cancellationToken)).Dispose();
    }

    /// <summary>
    /// Sends the request until it gets <paramref name="expected"/>, retrying after a 503 (which must be SERVICE_UNAVAILABLE
    /// with Retry-After) or no answer; anything else is recorded as a failure, and retried too so the run goes on.
    /// </summary>
    private async Task<HttpResponseMessage> UntilAnsweredAsync(Func<HttpRequestMessage> request, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(40));
                var response = await Api.Http.SendAsync(request(), timeout.Token);
                if (response.StatusCode == expected) return response;
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable
                    && response.Headers.RetryAfter?.Delta is { TotalSeconds: > 0 }
                    && JsonDocument.Parse(text).RootElement.GetProperty("code").GetString() == "SERVICE_UNAVAILABLE")
                {
                    Interlocked.Increment(ref _unavailable);
                }
                else
                {
                    lock (_failures) _failures.Add($"{(int)response.StatusCode} Retry-After={response.Headers.RetryAfter}: {text}");
                }
                response.Dispose();
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _unanswered);
            }
            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary>A service of its own on a database of its own, connected to PostgreSQL through <paramref name="proxy"/>.</summary>
    private Task<ApiFixture> StartBehindAsync(TcpProxy proxy) =>
        ApiFixture.StartInstanceAsync(Provider, "_outage", reset: true, configure: builder =>
        {
            var connection = new NpgsqlConnectionStringBuilder(builder.Configuration["Database:ConnectionString"])
            {
                Host = "127.0.0.1",
                Port = proxy.Port,
                // A refused connection fails at once; a connection attempt that hangs gives up soon, as one to a restarting server should.
                Timeout = 5,
            };
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Database:ConnectionString"] = connection.ConnectionString });
        }, transport: Transport);

    /// <summary>Messages in this service's error queues (those that exist).</summary>
    private async Task<uint> ParkedCommandsAsync()
    {
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(Environment.GetEnvironmentVariable("EPRX_TEST_RABBITMQ")!) };
        await using var connection = await factory.CreateConnectionAsync();
        uint parked = 0;
        foreach (var endpoint in new[] { "receive-prescription", "return-prescription", "record-dispensing", "dispensing-recorded" })
        {
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
