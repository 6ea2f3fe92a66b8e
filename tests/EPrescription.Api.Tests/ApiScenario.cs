using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EPrescription.Server.Clients;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests;

/// <summary>
/// Base of the scenarios: each runs against the real service on one database provider (the fixture argument), starting
/// from an empty database with the development clients seeded.
/// </summary>
public abstract class ApiScenario(DatabaseProvider provider, BusTransport transport = BusTransport.InMemory)
{
    protected DatabaseProvider Provider { get; } = provider;

    /// <summary>The bus between the HTTP edge and the prescription server (in memory unless a scenario asks for RabbitMQ).</summary>
    protected BusTransport Transport { get; } = transport;

    protected ApiFixture Api { get; set; } = null!;

    protected static DevClient Clinic => DevClients.Clinic;

    protected static DevClient DentalClinic => DevClients.DentalClinic;

    protected static DevClient Pharmacy => DevClients.Pharmacy;

    protected static DevClient NotebookApp => DevClients.NotebookApp;

    protected static DevClient Admin => DevClients.Admin;

    [SetUp]
    public async Task StartFromAnEmptyDatabaseAsync() => Api = await ApiFixture.ForAsync(Provider, Transport);

    /// <summary>When a scenario fails, what the service logged at warning or above says why.</summary>
    [TearDown]
    public void ShowServiceErrorsOfAFailedScenario()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status != NUnit.Framework.Interfaces.TestStatus.Failed || Api is null) return;
        foreach (var message in Api.Logs.Messages.Where(m => m.StartsWith("Warning", StringComparison.Ordinal) || m.StartsWith("Error", StringComparison.Ordinal)))
            TestContext.Out.WriteLine(message);
    }

    /// <summary>POST /v1/prescriptions with a JSON body, as <paramref name="client"/>.</summary>
    protected Task<HttpResponseMessage> PostRegisterAsync(object body, DevClient? client = null, string? idempotencyKey = null)
    {
        var request = Api.Request(HttpMethod.Post, "/v1/prescriptions", client ?? Clinic, JsonContent.Create(body));
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return Api.SendAsync(request);
    }

    /// <summary>Registers and expects 201; returns the answer.</summary>
    protected async Task<JsonElement> RegisterAsync(object? body = null, DevClient? client = null)
    {
        using var response = await PostRegisterAsync(body ?? Signed.Detached(Rx.Document()), client);
        return await ExpectAsync(response, HttpStatusCode.Created);
    }

    protected async Task<string> RegisteredIdAsync() => (await RegisterAsync()).GetProperty("prescriptionId").GetString()!;

    protected static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem document with the code and status; returns it.</summary>
    protected static async Task<JsonElement> ExpectProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), text);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo(code), text);
            Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo((int)status), text);
            Assert.That(problem.GetProperty("title").GetString(), Is.Not.Empty, text);
            Assert.That(problem.GetProperty("detail").GetString(), Is.Not.Empty, text);
            Assert.That(problem.GetProperty("traceId").GetString(), Is.Not.Empty, text);
        });
        return problem;
    }

    /// <summary>Long enough for the outbox relay and the consumers on a busy 2-core machine; every wait is bounded by it.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds; fails with <paramref name="what"/> if it never does.</summary>
    protected static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? Patience);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within {(within ?? Patience).TotalSeconds:0} s: {what}");
            await Task.Delay(100);
        }
    }

    protected static StringContent Json(string text, string mediaType = "application/json") => new(text, Encoding.UTF8, mediaType);
}
