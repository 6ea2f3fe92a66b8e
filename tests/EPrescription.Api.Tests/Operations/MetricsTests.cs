using System.Net;
using System.Net.Http.Json;
using EPrescription.Api.Tests.Notebook;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Operations;

/// <summary>
/// What an operator's Prometheus sees at /metrics after real traffic: each step of the lifecycle counted once, refusals by their
/// problem code, notebook records, and HTTP, bus and database instruments with the labels the dashboards and alerts use.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class MetricsTests(DatabaseProvider provider) : NotebookScenario(provider)
{
    private static readonly string[] DomainCounters =
    [
        "eprx_prescriptions_registered_total", "eprx_prescriptions_received_total", "eprx_prescriptions_returned_total",
        "eprx_prescriptions_dispensed_total", "eprx_prescriptions_cancelled_total", "eprx_prescriptions_expired_total",
        "eprx_notebook_records_written_total",
    ];

    [Test]
    public async Task Should_count_each_step_of_a_lifecycle_and_each_refusal_by_its_code()
    {
        var before = await Scrape.TakeAsync(Api.Http);

        var dispensed = await RegisterVisitAsync(1);
        var document = PrescriptionForVisit(2);
        var body = Signed.Body(document, Sign(document, Signed.Doctor));
        var first = await RegisterAsync(body);
        var cancelled = new Slip(first.GetProperty("prescriptionId").GetString()!, first.GetProperty("exchangeCode").GetString()!);
        // A retry of the same registration is answered from the first one: not a second registration.
        Assert.That((await RegisterAsync(body)).GetProperty("prescriptionId").GetString(), Is.EqualTo(cancelled.Id));
        await LinkAsync(dispensed);
        using (var received = await Api.PostAsync($"/v1/prescriptions/{dispensed.Id}/receive", Pharmacy, JsonContent.Create(new { exchangeCode = dispensed.ExchangeCode })))
            await ExpectAsync(received, HttpStatusCode.OK);
        using (var returned = await Api.PostAsync($"/v1/prescriptions/{dispensed.Id}/return", Pharmacy))
            await ExpectAsync(returned, HttpStatusCode.OK);
        await DispenseAsync(dispensed); // receives it again, then dispenses
        using (var cancel = await Api.PostAsync($"/v1/prescriptions/{cancelled.Id}/cancel", Clinic))
            await ExpectAsync(cancel, HttpStatusCode.OK);
        using (var refused = await Api.PostAsync($"/v1/prescriptions/{cancelled.Id}/receive", Pharmacy, JsonContent.Create(new { exchangeCode = cancelled.ExchangeCode })))
            await ExpectProblemAsync(refused, HttpStatusCode.Conflict, "CANCELLED");
        using (var unknown = await Api.GetAsync("/v1/prescriptions/no-such-prescription", Clinic))
            await ExpectProblemAsync(unknown, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
        await FeedWhenAsync(1);

        Scrape after = before;
        await EventuallyAsync(async () => (after = await Scrape.TakeAsync(Api.Http)).Sum("eprx_notebook_records_written_total") > before.Sum("eprx_notebook_records_written_total"),
            "the notebook record counted");
        double Delta(string name, params string[] labels) => after.Sum(name, labels) - before.Sum(name, labels);

        Assert.Multiple(() =>
        {
            Assert.That(Delta("eprx_prescriptions_registered_total"), Is.EqualTo(2), "registrations");
            Assert.That(Delta("eprx_prescriptions_received_total"), Is.EqualTo(2), "receives");
            Assert.That(Delta("eprx_prescriptions_returned_total"), Is.EqualTo(1), "returns");
            Assert.That(Delta("eprx_prescriptions_dispensed_total"), Is.EqualTo(1), "dispensings");
            Assert.That(Delta("eprx_prescriptions_cancelled_total"), Is.EqualTo(1), "cancellations");
            Assert.That(Delta("eprx_notebook_records_written_total"), Is.EqualTo(1), "notebook records");
            Assert.That(Delta("eprx_requests_refused_total", "code=CANCELLED"), Is.EqualTo(1), "CANCELLED refusals");
            Assert.That(Delta("eprx_requests_refused_total", "code=PRESCRIPTION_NOT_FOUND"), Is.EqualTo(1), "PRESCRIPTION_NOT_FOUND refusals");
            Assert.That(Delta("eprx_requests_refused_total"), Is.EqualTo(2), "refusals of any code");
            foreach (var counter in DomainCounters)
                Assert.That(after.Has(counter) || counter == "eprx_prescriptions_expired_total", Is.True, $"{counter} is exported");
        });
    }

    [Test]
    public async Task Should_measure_http_by_route_and_status_the_bus_and_the_database()
    {
        // A service of its own: ASP.NET Core's meters belong to one service, and a test process runs several.
        await using var service = await ApiFixture.StartInstanceAsync(Provider, "_metrics", reset: true);
        Api = service;
        var before = await Scrape.TakeAsync(Api.Http);
        var slip = await RegisterVisitAsync();
        await DispenseAsync(slip);
        using (var refused = await Api.PostAsync($"/v1/prescriptions/{slip.Id}/dispensing", Pharmacy, JsonContent.Create(new { document = "" })))
            Assert.That(refused.StatusCode, Is.Not.EqualTo(HttpStatusCode.OK));
        await EveryEventPublishedAsync();
        var after = await Scrape.TakeAsync(Api.Http);
        double Delta(string name, params string[] labels) => after.Sum(name, labels) - before.Sum(name, labels);

        const string dispensing = "http_route=/v1/prescriptions/{id}/dispensing";
        Assert.Multiple(() =>
        {
            Assert.That(Delta("http_server_request_duration_seconds_count", dispensing, "http_request_method=POST", "http_response_status_code=200"), Is.EqualTo(1),
                "the dispensing, by route and status");
            // The route as mapped: the group's "/v1/prescriptions" and the endpoint's "/".
            Assert.That(Delta("http_server_request_duration_seconds_count", "http_route=/v1/prescriptions/", "http_request_method=POST", "http_response_status_code=201"),
                Is.EqualTo(1), "the registration, by route and status");
            Assert.That(after.Has("http_server_request_duration_seconds_bucket", dispensing, "le=+Inf"), Is.True, "a histogram, for percentiles");
            Assert.That(after.Names.Where(n => n.StartsWith("messaging_masstransit_", StringComparison.Ordinal)), Is.Not.Empty,
                "MassTransit's message counts and durations");
            Assert.That(Delta("eprx_db_transaction_duration_seconds_count", $"db_system_name={SystemName}"), Is.GreaterThanOrEqualTo(3),
                "database transactions (registration, receive, dispensing at least)");
            if (Provider == DatabaseProvider.PostgreSql)
                Assert.That(after.Names.Where(n => n.StartsWith("db_client_", StringComparison.Ordinal)), Is.Not.Empty, "Npgsql's command metrics");
        });
        TestContext.Out.WriteLine(string.Join('\n', after.Names.Order()));
    }

    private string SystemName => Provider switch
    {
        DatabaseProvider.PostgreSql => "postgresql",
        DatabaseProvider.SqlServer => "microsoft.sql_server",
        _ => "sqlite",
    };
}
