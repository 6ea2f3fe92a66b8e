using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using EPrescription.Server.Clients;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Pharmacies;

/// <summary>
/// The broker restarts in the middle of a run of lifecycles. Pharmacy systems retry what failed (503 or no answer); at the end
/// nothing is lost and nothing is done twice.
/// </summary>
[TestFixtureSource(nameof(RabbitMqFixtures))]
[NonParallelizable]
public sealed class BrokerRestartTests(DatabaseProvider provider, BusTransport transport) : PharmacyScenario(provider, transport)
{
    private const int Lifecycles = 200;
    private const int InParallel = 4;
    private int _unavailable;
    private int _unanswered;

    public static IEnumerable<TestFixtureData> RabbitMqFixtures =>
        Fixtures.Where(f => (BusTransport)f.Arguments[1]! == BusTransport.RabbitMq);

    [Test]
    public async Task Should_lose_nothing_and_do_nothing_twice_when_the_broker_restarts_mid_run()
    {
        var rabbitmqctl = new[] { "/usr/sbin/rabbitmqctl", "/usr/bin/rabbitmqctl", "/usr/lib/rabbitmq/bin/rabbitmqctl" }.FirstOrDefault(File.Exists);
        if (rabbitmqctl is null) Assert.Ignore("rabbitmqctl is not installed here: the broker cannot be restarted from the test.");
        var broker = new Uri(Environment.GetEnvironmentVariable("EPRX_TEST_RABBITMQ")!);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var completed = 0;
        var outageStarts = new TaskCompletionSource();

        var outage = Task.Run(async () =>
        {
            await outageStarts.Task.WaitAsync(deadline.Token);
            try
            {
                await RunAsync(rabbitmqctl, "stop_app");
                await Task.Delay(TimeSpan.FromSeconds(4), deadline.Token);
            }
            finally
            {
                await StartBrokerAsync(rabbitmqctl, broker);
            }
        });
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(1, Lifecycles), new ParallelOptions { MaxDegreeOfParallelism = InParallel, CancellationToken = deadline.Token },
                async (visit, cancellationToken) =>
                {
                    await LifecycleAsync(visit, cancellationToken);
                    if (Interlocked.Increment(ref completed) == Lifecycles / 4) outageStarts.TrySetResult();
                });
            await outage;
        }
        finally
        {
            outageStarts.TrySetCanceled();
            if (!outage.IsCompleted) await StartBrokerAsync(rabbitmqctl, broker);
        }

        TestContext.Out.WriteLine($"retried after 503: {_unavailable}, after no answer: {_unanswered}");
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

    private static async Task StartBrokerAsync(string rabbitmqctl, Uri broker)
    {
        await RunAsync(rabbitmqctl, "start_app");
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(broker.Host, broker.Port > 0 ? broker.Port : 5672);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < until)
            {
                await Task.Delay(250);
            }
        }
    }

    private static async Task RunAsync(string rabbitmqctl, string command)
    {
        using var process = Process.Start(new ProcessStartInfo(rabbitmqctl, command) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, $"rabbitmqctl {command}: {output}");
    }
}
