using System.Globalization;
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
using Microsoft.Extensions.DependencyInjection;

namespace EPrescription.Api.Tests.Notebook;

/// <summary>
/// Base of the notebook-sync scenarios: a clinic registers, the development pharmacy receives and dispenses, a notebook app
/// links the patient with the slip's ID and exchange code and reads its records from the feed (or its webhook).
/// </summary>
public abstract class NotebookScenario(DatabaseProvider provider, BusTransport transport = BusTransport.InMemory) : ApiScenario(provider, transport)
{
    /// <summary>A prescription as the patient's slip shows it.</summary>
    protected sealed record Slip(string Id, string ExchangeCode);

    /// <summary>
    /// Registers the basic prescription issued today for visit <paramref name="visit"/>: the same patient (insurance and birth
    /// date), another patient number at the clinic (record 11), so each visit is a prescription of its own. Patients other than
    /// 0 (the sample's) hold another insurance card number, so the notebook sync keys them as other patients.
    /// </summary>
    protected Task<Slip> RegisterVisitAsync(int visit = 1, int patient = 0) => RegisterDocumentAsync(PrescriptionForVisit(visit, patient));

    protected async Task<Slip> RegisterDocumentAsync(byte[] document)
    {
        var registered = await RegisterAsync(Signed.Body(document, Sign(document, Signed.Doctor)));
        return new Slip(registered.GetProperty("prescriptionId").GetString()!, registered.GetProperty("exchangeCode").GetString()!);
    }

    protected byte[] PrescriptionForVisit(int visit, int patient = 0) =>
        Rx.Write(Rx.Records(Rx.Basic, TodayInJapan).Select(r => r.Number switch
        {
            "11" => Rx.With(r, (1, visit.ToString("D6", CultureInfo.InvariantCulture))),
            "23" when patient != 0 => Rx.With(r, (2, FullWidth((5678 + patient).ToString(CultureInfo.InvariantCulture)))),
            _ => r,
        }));

    /// <summary>Card numbers are written in full-width digits, as the sample's are.</summary>
    private static string FullWidth(string digits) => string.Concat(digits.Select(c => (char)('０' + (c - '0'))));

    /// <summary>The development pharmacy receives and dispenses it (the shared dispensing sample, dated today); returns the dispensing id.</summary>
    protected async Task<string> DispenseAsync(Slip slip)
    {
        using (var received = await Api.PostAsync($"/v1/prescriptions/{slip.Id}/receive", Pharmacy, JsonContent.Create(new { exchangeCode = slip.ExchangeCode })))
            await ExpectAsync(received, HttpStatusCode.OK);
        var document = DispensingDocument();
        using var dispensed = await Api.PostAsync($"/v1/prescriptions/{slip.Id}/dispensing", Pharmacy,
            JsonContent.Create(Signed.Body(document, Sign(document, "pharmacist"))));
        return (await ExpectAsync(dispensed, HttpStatusCode.OK)).GetProperty("dispensingId").GetString()!;
    }

    /// <summary>tc_jahistc08_01 (the basic prescription dispensed at the development pharmacy), record 5 dated today in Japan.</summary>
    protected byte[] DispensingDocument()
    {
        var sample = JahisReader.Read(File.ReadAllBytes(Path.Combine(Repository.Samples, "tc_jahistc08_01_pharmacy_to_patient.csv")), TextEncodingKind.ShiftJis);
        return JahisWriter.Write(sample.Records.Select(r => r.Number == "5" ? Rx.With(r, (1, Rx.Format(TodayInJapan))) : r));
    }

    protected Task<HttpResponseMessage> PostLinkAsync(Slip slip, DevClient? app = null, string? exchangeCode = null) =>
        Api.PostAsync("/v1/notebook/links", app ?? NotebookApp, JsonContent.Create(new { prescriptionId = slip.Id, exchangeCode = exchangeCode ?? slip.ExchangeCode }));

    /// <summary>Links and expects 201 (a new link) or 200 (already linked); returns the answer.</summary>
    protected async Task<JsonElement> LinkAsync(Slip slip, DevClient? app = null)
    {
        using var response = await PostLinkAsync(slip, app);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.Created, HttpStatusCode.OK), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>One page of the feed; expects 200.</summary>
    protected async Task<JsonElement> FeedPageAsync(DevClient? app = null, string? after = null, int? limit = null)
    {
        var query = new List<string>();
        if (after is not null) query.Add("after=" + Uri.EscapeDataString(after));
        if (limit is not null) query.Add("limit=" + limit.Value.ToString(CultureInfo.InvariantCulture));
        using var response = await Api.GetAsync("/v1/notebook/records" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), app ?? NotebookApp);
        return await ExpectAsync(response, HttpStatusCode.OK);
    }

    /// <summary>The app's whole feed, page by page.</summary>
    protected async Task<List<JsonElement>> FeedAsync(DevClient? app = null)
    {
        var records = new List<JsonElement>();
        string? after = null;
        while (true)
        {
            var page = await FeedPageAsync(app, after);
            records.AddRange(page.GetProperty("records").EnumerateArray());
            if (!page.GetProperty("hasMore").GetBoolean()) return records;
            after = page.GetProperty("nextCursor").GetString();
        }
    }

    /// <summary>Reads the feed until it holds <paramref name="count"/> records (bounded by <see cref="Patience"/>); fails if it never does.</summary>
    protected async Task<List<JsonElement>> FeedWhenAsync(int count, DevClient? app = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        List<JsonElement> records;
        while ((records = await FeedAsync(app)).Count < count && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.That(records, Has.Count.EqualTo(count), $"records in the feed of {(app ?? NotebookApp).Id}");
        return records;
    }

    /// <summary>Waits (bounded) until the outbox relay has published every event and the consumers had time to see them.</summary>
    protected Task EveryEventPublishedAsync() =>
        EventuallyAsync(async () => await Api.CountAsync("outbox", "published_at IS NULL") == 0, "every outbox event published");

    /// <summary>A notebook app of its own, added as an operator would (with a webhook URL when given); its secret signs deliveries.</summary>
    protected async Task<(DevClient App, string? WebhookSecret)> AddNotebookAppAsync(string name, string? webhookUrl = null)
    {
        var store = Api.App.Services.GetRequiredService<ClientStore>();
        var (client, key) = await store.AddAsync(new NewClient(name, ClientRole.NotebookApp, null, webhookUrl));
        return (new DevClient(client.Id, name, ClientRole.NotebookApp, null, key), client.WebhookSecret);
    }

    protected static byte[] DocumentOf(JsonElement record) => Convert.FromBase64String(record.GetProperty("document").GetString()!);

    protected static IReadOnlyList<string> Ids(IEnumerable<JsonElement> records) => records.Select(r => r.GetProperty("id").GetString()!).ToList();

    /// <summary>Today in Japan by the service's clock.</summary>
    protected DateOnly TodayInJapan => DateOnly.FromDateTime(Api.Clock.GetUtcNow().UtcDateTime.AddHours(9));

    /// <summary>A detached signature made at the service's current time (the verifier refuses signing times in its future).</summary>
    protected byte[] Sign(byte[] document, string signer) =>
        new CmsSigner().Sign(document, Signed.Key(signer), new SigningOptions { Detached = true, SigningTime = Api.Clock.GetUtcNow() });
}
