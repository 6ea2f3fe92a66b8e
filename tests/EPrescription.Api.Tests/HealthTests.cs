using System.Net;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests;

/// <summary>Health endpoints answer without a key; anything unknown gets a problem document.</summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class HealthTests(DatabaseProvider provider) : ApiScenario(provider)
{
    [TestCase("/health/live")]
    [TestCase("/health/ready")]
    public async Task Should_answer_health_without_a_key(string path)
    {
        using var response = await Api.GetAsync(path, null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [TestCase("/no/such/path")]
    [TestCase("/v1/nothing-here")]
    public async Task Should_answer_an_unknown_path_with_a_problem_document(string path)
    {
        using var response = await Api.GetAsync(path, Clinic);

        await ExpectProblemAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Test]
    public async Task Should_answer_a_wrong_method_with_a_problem_document()
    {
        using var response = await Api.SendAsync(Api.Request(HttpMethod.Delete, "/v1/prescriptions", Clinic));

        await ExpectProblemAsync(response, HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED");
    }
}
