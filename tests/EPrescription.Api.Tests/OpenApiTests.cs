using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests;

/// <summary>
/// The OpenAPI document the service serves is the one kept in schemas/openapi.v1.json. After changing the API, refresh the
/// file and review the diff:
/// <code>EPRX_UPDATE_OPENAPI=1 dotnet test --project tests/EPrescription.Api.Tests -- --filter "FullyQualifiedName~OpenApi"</code>
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class OpenApiTests(DatabaseProvider provider) : ApiScenario(provider)
{
    private static readonly string Committed = Path.Combine(Repository.Root, "schemas", "openapi.v1.json");

    [Test]
    public async Task Should_serve_the_openapi_document_kept_in_schemas()
    {
        using var response = await Api.GetAsync("/openapi/v1.json", null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var served = WithoutServers(JsonNode.Parse(await response.Content.ReadAsStringAsync()));

        if (Environment.GetEnvironmentVariable("EPRX_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(Committed, served!.ToJsonString(Written) + "\n");
            Assert.Pass($"Wrote {Committed}; review and commit it.");
        }

        Assert.That(File.Exists(Committed), Is.True, $"{Committed} is missing: create it with EPRX_UPDATE_OPENAPI=1 (see this test's summary).");
        var kept = WithoutServers(JsonNode.Parse(await File.ReadAllTextAsync(Committed)));
        Assert.That(JsonNode.DeepEquals(served, kept), Is.True,
            "The served OpenAPI document differs from schemas/openapi.v1.json. If the API change is intended, refresh the file with " +
            "EPRX_UPDATE_OPENAPI=1 dotnet test --project tests/EPrescription.Api.Tests -- --filter \"FullyQualifiedName~OpenApi\", and review the diff.");
    }

    /// <summary>The server address depends on where the service runs, so it is not part of the contract.</summary>
    private static JsonNode? WithoutServers(JsonNode? document)
    {
        document?.AsObject().Remove("servers");
        return document;
    }

    private static readonly JsonSerializerOptions Written = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
