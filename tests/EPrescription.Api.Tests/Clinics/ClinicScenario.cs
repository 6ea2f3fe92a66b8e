using System.Globalization;
using System.Net;
using System.Text.Json;
using EPrescription.Api.Tests.Pharmacies;
using EPrescription.Server.Clients;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Clinics;

/// <summary>
/// Base of the prescriber-feedback scenarios: the clinic registers, pharmacies receive, return and dispense, and the clinic
/// reads its event feed (GET /v1/clinic/events) and a prescription's dispensings (GET /v1/prescriptions/{id}/dispensings).
/// </summary>
public abstract class ClinicScenario(DatabaseProvider provider) : PharmacyScenario(provider, BusTransport.InMemory)
{
    /// <summary>Registers the basic prescription for another visit (so it is a prescription of its own); returns ID and exchange code.</summary>
    protected Task<(string Id, string ExchangeCode)> RegisterVisitAsync(int visit) => RegisterPrescriptionAsync(PrescriptionForVisit(visit));

    /// <summary>Receives as the development pharmacy and reports the shared dispensing sample; returns the dispensing id.</summary>
    protected async Task<string> ReceiveAndDispenseAsync(string id, string exchangeCode, Dictionary<string, string>? body = null)
    {
        await ReceivedAsync(id, exchangeCode);
        using var response = await DispenseAsync(id, body ?? DispensingBody());
        return (await ExpectAsync(response, HttpStatusCode.OK)).GetProperty("dispensingId").GetString()!;
    }

    protected Task<HttpResponseMessage> GetEventsAsync(DevClient? client = null, string? after = null, int? limit = null)
    {
        var query = new List<string>();
        if (after is not null) query.Add("after=" + Uri.EscapeDataString(after));
        if (limit is not null) query.Add("limit=" + limit.Value.ToString(CultureInfo.InvariantCulture));
        return Api.GetAsync("/v1/clinic/events" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), client ?? Clinic);
    }

    /// <summary>One page of the clinic's feed; expects 200.</summary>
    protected async Task<JsonElement> EventsPageAsync(DevClient? client = null, string? after = null, int? limit = null)
    {
        using var response = await GetEventsAsync(client, after, limit);
        return await ExpectAsync(response, HttpStatusCode.OK);
    }

    /// <summary>The clinic's whole feed, page by page.</summary>
    protected async Task<List<JsonElement>> EventsAsync(DevClient? client = null)
    {
        var events = new List<JsonElement>();
        string? after = null;
        while (true)
        {
            var page = await EventsPageAsync(client, after);
            events.AddRange(page.GetProperty("events").EnumerateArray());
            if (!page.GetProperty("hasMore").GetBoolean()) return events;
            after = page.GetProperty("nextCursor").GetString();
        }
    }

    /// <summary>
    /// The feed once it holds <paramref name="count"/> events. Events are written with the change they tell of, but on PostgreSQL
    /// the feed serves them once no older transaction of the database cluster is open (other test projects share it), so
    /// reading waits a moment, bounded by <see cref="Patience"/>.
    /// </summary>
    protected async Task<List<JsonElement>> EventsWhenAsync(int count, DevClient? client = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        List<JsonElement> events;
        while ((events = await EventsAsync(client)).Count < count && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.That(events, Has.Count.EqualTo(count), "events in the clinic's feed");
        return events;
    }

    protected static IReadOnlyList<string> Ids(IEnumerable<JsonElement> events) => events.Select(e => e.GetProperty("id").GetString()!).ToList();

    /// <summary>Each event as (type, prescription ID).</summary>
    protected static IReadOnlyList<(string?, string?)> Kinds(IEnumerable<JsonElement> events) =>
        events.Select(e => (e.GetProperty("type").GetString(), e.GetProperty("prescriptionId").GetString())).ToList();

    /// <summary>The dispensings of a prescription as <paramref name="client"/> sees them; expects 200.</summary>
    protected async Task<JsonElement> DispensingsAsync(string id, DevClient? client = null)
    {
        using var response = await Api.GetAsync($"/v1/prescriptions/{id}/dispensings", client ?? Clinic);
        return await ExpectAsync(response, HttpStatusCode.OK);
    }

    /// <summary>The audit entries of a prescription as (client, action), read by the operator.</summary>
    protected async Task<IReadOnlyList<(string?, string?)>> AuditAsync(string id)
    {
        using var response = await Api.GetAsync($"/v1/audit?prescriptionId={id}", Admin);
        var audit = await ExpectAsync(response, HttpStatusCode.OK);
        return audit.GetProperty("entries").EnumerateArray()
            .Select(e => (e.GetProperty("clientId").GetString(), e.GetProperty("action").GetString())).ToList();
    }
}
