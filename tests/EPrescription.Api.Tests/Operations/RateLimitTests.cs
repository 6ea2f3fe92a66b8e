using System.Net;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Operations;

/// <summary>
/// Per-client rate limits as configured by role: here clinics may send 2 requests and then one every 100 s, and requests
/// without a known key 1 per address. A clinic over its limit gets 429 RATE_LIMITED with Retry-After; another clinic and the
/// operational endpoints (health, metrics, OpenAPI, docs) are not affected.
/// </summary>
public sealed class RateLimitTests : ApiScenario
{
    private ApiFixture? _limited;

    public RateLimitTests() : base(DatabaseProvider.Sqlite)
    {
    }

    [OneTimeSetUp]
    public async Task StartAServiceWithSmallLimitsAsync() =>
        _limited = await ApiFixture.StartInstanceAsync(Provider, "_ratelimits", reset: true,
        [
            "--RateLimits:Clinic:PermitsPerSecond=0.01", "--RateLimits:Clinic:Burst=2",
            "--RateLimits:Anonymous:PermitsPerSecond=0.01", "--RateLimits:Anonymous:Burst=1",
        ]);

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_limited is not null) await _limited.DisposeAsync();
    }

    [SetUp]
    public void UseTheLimitedService() => Api = _limited!;

    [Test]
    public async Task Should_answer_a_client_over_its_limit_with_429_and_retry_after_and_leave_other_clients_alone()
    {
        var before = await Scrape.TakeAsync(Api.Http);
        for (var i = 0; i < 2; i++)
        {
            using var allowed = await Api.GetAsync("/v1/prescriptions/no-such-prescription", Clinic);
            await ExpectProblemAsync(allowed, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
        }

        using var limited = await Api.GetAsync("/v1/prescriptions/no-such-prescription", Clinic);
        var problem = await ExpectProblemAsync(limited, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        using var otherClinic = await Api.GetAsync("/v1/prescriptions/no-such-prescription", DentalClinic);
        using var pharmacy = await Api.GetAsync("/v1/prescriptions/no-such-prescription", Pharmacy);

        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.Multiple(async () =>
        {
            Assert.That(retryAfter, Is.Not.Null, "a Retry-After header in seconds");
            Assert.That(retryAfter, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromSeconds(100)));
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("clinic").And.Contain("Retry after"));
            await ExpectProblemAsync(otherClinic, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
            await ExpectProblemAsync(pharmacy, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
        });
        var after = await Scrape.TakeAsync(Api.Http);
        Assert.Multiple(() =>
        {
            Assert.That(after.Sum("eprx_requests_refused_total", "code=RATE_LIMITED") - before.Sum("eprx_requests_refused_total", "code=RATE_LIMITED"),
                Is.EqualTo(1), "the refusal is counted by its code");
            Assert.That(after.Sum("aspnetcore_rate_limiting_requests_total", "aspnetcore_rate_limiting_result=endpoint_limiter")
                - before.Sum("aspnetcore_rate_limiting_requests_total", "aspnetcore_rate_limiting_result=endpoint_limiter"), Is.EqualTo(1),
                "and by ASP.NET Core's rate limiter");
        });
    }

    [Test]
    public async Task Should_limit_requests_without_a_known_key_by_address()
    {
        using var first = await Api.GetAsync("/v1/prescriptions/no-such-prescription", null);
        using var second = await Api.GetAsync("/v1/prescriptions/no-such-prescription", null);

        await ExpectProblemAsync(first, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await ExpectProblemAsync(second, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
    }

    [TestCase("/health/live")]
    [TestCase("/health/ready")]
    [TestCase("/metrics")]
    [TestCase("/openapi/v1.json")]
    [TestCase("/docs/index.html")]
    public async Task Should_never_limit_the_operational_endpoints(string path)
    {
        for (var i = 0; i < 5; i++)
        {
            using var response = await Api.GetAsync(path, null);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"request {i + 1} to {path}");
        }
    }
}
