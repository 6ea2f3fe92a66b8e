using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Formats.Writing;
using EPrescription.Server.Clients;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;
using EPrescription.Signatures.Signing;

namespace EPrescription.Api.Tests.Pharmacies;

/// <summary>
/// Base of the pharmacy scenarios: the real service on one database provider and one bus transport (the fixture arguments),
/// the pharmacy's requests as a pharmacy system sends them, and the dispensing results it reports.
/// </summary>
public abstract class PharmacyScenario(DatabaseProvider provider, BusTransport transport) : ApiScenario(provider, transport)
{
    /// <summary>Every database provider over both transports (the argument of [TestFixtureSource]).</summary>
    public static IEnumerable<TestFixtureData> Fixtures =>
        from provider in ApiFixture.Providers
        from transport in new[] { BusTransport.InMemory, BusTransport.RabbitMq }
        select new TestFixtureData(provider, transport);

    protected static DevClient SecondPharmacy => DevClients.SecondPharmacy;

    /// <summary>A scenario on RabbitMQ must really run on it (not silently on the in-memory default).</summary>
    [SetUp]
    public void RunsOnTheTransportItNames()
    {
        var scheme = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<MassTransit.IBus>(Api.App.Services).Address.Scheme;
        Assert.That(scheme, Is.EqualTo(Transport == BusTransport.RabbitMq ? "rabbitmq" : "loopback"));
    }

    /// <summary>Registers a prescription issued today (Japan time, by the service's clock); returns its ID and exchange code.</summary>
    protected async Task<(string Id, string ExchangeCode)> RegisterPrescriptionAsync(byte[]? document = null)
    {
        var rx = document ?? Rx.Document(issuedOn: TodayInJapan);
        var registered = await RegisterAsync(Signed.Body(rx, Sign(rx, Signed.Doctor)));
        return (registered.GetProperty("prescriptionId").GetString()!, registered.GetProperty("exchangeCode").GetString()!);
    }

    /// <summary>
    /// The basic prescription issued today for another visit (another patient number at the clinic, record 11), so that it
    /// registers as a prescription of its own rather than as a retry of the same signed document.
    /// </summary>
    protected byte[] PrescriptionForVisit(int visit) =>
        Rx.Write(Rx.Records(Rx.Basic, TodayInJapan).Select(r => r.Number == "11" ? Rx.With(r, (1, visit.ToString("D6", System.Globalization.CultureInfo.InvariantCulture))) : r));

    protected Task<HttpResponseMessage> ReceiveAsync(string id, string exchangeCode, DevClient? pharmacy = null) =>
        Api.PostAsync($"/v1/prescriptions/{id}/receive", pharmacy ?? Pharmacy, JsonContent.Create(new { exchangeCode }));

    protected Task<HttpResponseMessage> ReturnAsync(string id, DevClient? pharmacy = null) =>
        Api.PostAsync($"/v1/prescriptions/{id}/return", pharmacy ?? Pharmacy);

    protected Task<HttpResponseMessage> DispenseAsync(string id, object body, DevClient? pharmacy = null) =>
        Api.PostAsync($"/v1/prescriptions/{id}/dispensing", pharmacy ?? Pharmacy, JsonContent.Create(body));

    /// <summary>Receives and expects 200.</summary>
    protected async Task<JsonElement> ReceivedAsync(string id, string exchangeCode, DevClient? pharmacy = null)
    {
        using var response = await ReceiveAsync(id, exchangeCode, pharmacy);
        return await ExpectAsync(response, HttpStatusCode.OK);
    }

    /// <summary>The status as <paramref name="client"/> sees it (default the issuing clinic).</summary>
    protected async Task<JsonElement> StatusAsync(string id, DevClient? client = null)
    {
        using var response = await Api.GetAsync($"/v1/prescriptions/{id}", client ?? Clinic);
        return await ExpectAsync(response, HttpStatusCode.OK);
    }

    protected static IReadOnlyList<string?> Actions(JsonElement status) =>
        status.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()).ToList();

    /// <summary>Today in Japan by the service's clock.</summary>
    protected DateOnly TodayInJapan => DateOnly.FromDateTime(Api.Clock.GetUtcNow().UtcDateTime.AddHours(9));

    /// <summary>A detached signature made at the service's current time (the verifier refuses signing times in its future).</summary>
    protected byte[] Sign(byte[] document, string signer) =>
        new CmsSigner().Sign(document, Signed.Key(signer), new SigningOptions { Detached = true, SigningTime = Api.Clock.GetUtcNow() });

    /// <summary>The dispensing result of the basic prescription, dispensed today by the development pharmacy, signed by its pharmacist.</summary>
    protected Dictionary<string, string> DispensingBody(Func<List<JahisRecord>, List<JahisRecord>>? edit = null, string signer = Dispensings.Pharmacist)
    {
        var document = Dispensings.Document(TodayInJapan, edit);
        return Signed.Body(document, Sign(document, signer));
    }

    /// <summary>Waits (bounded) until the outbox relay has published every event; fails if it does not.</summary>
    protected async Task AssertEveryEventPublishedAsync(TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        int unpublished;
        while ((unpublished = await Api.CountAsync("outbox", "published_at IS NULL")) > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.That(unpublished, Is.Zero, "outbox rows not published; last errors: " + string.Join(" | ", await OutboxErrorsAsync()));
    }

    private async Task<IEnumerable<string>> OutboxErrorsAsync()
    {
        await using var connection = await Api.Database.OpenAsync();
        return await Dapper.SqlMapper.QueryAsync<string>(connection, "SELECT DISTINCT last_error FROM outbox WHERE published_at IS NULL AND last_error IS NOT NULL");
    }

    /// <summary>A pharmacy client of its own, added as an operator would add it.</summary>
    protected async Task<DevClient> AddPharmacyAsync(string name, string institutionCode)
    {
        var store = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<ClientStore>(Api.App.Services);
        var (client, key) = await store.AddAsync(new NewClient(name, ClientRole.Pharmacy, institutionCode, WebhookUrl: null));
        return new DevClient(client.Id, name, ClientRole.Pharmacy, institutionCode, key);
    }
}

/// <summary>
/// Dispensing results (JAHISTC08, output kind 1): the shared sample that dispenses the basic prescription at the development
/// pharmacy (1341234567), its dispensing date (record 5) moved to the given day.
/// </summary>
public static class Dispensings
{
    public const string Sample = "tc_jahistc08_01_pharmacy_to_patient.csv";
    public const string Pharmacist = "pharmacist";

    public static List<JahisRecord> Records(DateOnly dispensedOn)
    {
        var document = JahisReader.Read(File.ReadAllBytes(Path.Combine(Repository.Samples, Sample)), TextEncodingKind.ShiftJis);
        return document.Records.Select(r => r.Number == "5" ? Rx.With(r, (1, Rx.Format(dispensedOn))) : r).ToList();
    }

    public static byte[] Document(DateOnly dispensedOn, Func<List<JahisRecord>, List<JahisRecord>>? edit = null)
    {
        var records = Records(dispensedOn);
        return JahisWriter.Write(edit is null ? records : edit(records));
    }
}
