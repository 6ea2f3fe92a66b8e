using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests;

/// <summary>A body that is not a registration gets 400 REQUEST_INVALID (or 415, 413) with a problem document, never a 500.</summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class RequestRefusalTests(DatabaseProvider provider) : ApiScenario(provider)
{
    private static readonly string Document = Convert.ToBase64String(Rx.Document());

    public static IEnumerable<TestCaseData> MalformedBodies()
    {
        var signature = Convert.ToBase64String(Signed.DetachedSignature(Rx.Document()));
        yield return new TestCaseData("this is not JSON").SetArgDisplayNames("not JSON");
        yield return new TestCaseData("{\"document\": ").SetArgDisplayNames("cut-off JSON");
        yield return new TestCaseData($"[{{\"document\":\"{Document}\",\"signature\":\"{signature}\"}}]").SetArgDisplayNames("JSON array");
        yield return new TestCaseData("null").SetArgDisplayNames("JSON null");
        yield return new TestCaseData("{}").SetArgDisplayNames("empty object");
        yield return new TestCaseData($"{{\"signature\":\"{signature}\"}}").SetArgDisplayNames("missing document");
        yield return new TestCaseData($"{{\"document\":\"{Document}\"}}").SetArgDisplayNames("missing signature");
        yield return new TestCaseData($"{{\"document\":\"not base64!\",\"signature\":\"{signature}\"}}").SetArgDisplayNames("bad base64");
        yield return new TestCaseData($"{{\"document\":\"\",\"signature\":\"{signature}\"}}").SetArgDisplayNames("empty document");
        yield return new TestCaseData($"{{\"document\":\"{Document}\",\"signature\":\"{signature}\",\"signedDocument\":\"{signature}\"}}").SetArgDisplayNames("both forms");
        yield return new TestCaseData($"{{\"document\":\"{Document}\",\"signature\":\"{signature}\",\"encoding\":\"euc-jp\"}}").SetArgDisplayNames("unknown encoding");
        yield return new TestCaseData($"{{\"document\":\"{Document}\",\"signature\":\"{signature}\",\"patient\":\"x\"}}").SetArgDisplayNames("unknown member");
        yield return new TestCaseData($"{{\"document\":42,\"signature\":\"{signature}\"}}").SetArgDisplayNames("document a number");
        yield return new TestCaseData("").SetArgDisplayNames("empty body");
    }

    [TestCaseSource(nameof(MalformedBodies))]
    public async Task Should_refuse_a_malformed_body(string body)
    {
        using var response = await Api.PostAsync("/v1/prescriptions", Clinic, Json(body));

        await ExpectProblemAsync(response, HttpStatusCode.BadRequest, "REQUEST_INVALID");
        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_refuse_an_idempotency_key_longer_than_200_characters()
    {
        using var response = await PostRegisterAsync(Signed.Detached(Rx.Document()), idempotencyKey: new string('k', 201));

        await ExpectProblemAsync(response, HttpStatusCode.BadRequest, "REQUEST_INVALID");
        await Api.AssertNothingStoredAsync();
    }

    [TestCase("text/plain")]
    [TestCase("application/x-www-form-urlencoded")]
    [TestCase("application/xml")]
    public async Task Should_refuse_a_body_that_is_not_sent_as_json(string mediaType)
    {
        var body = new StringContent($"{{\"document\":\"{Document}\"}}", Encoding.UTF8);
        body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);

        using var response = await Api.PostAsync("/v1/prescriptions", Clinic, body);

        await ExpectProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_read_a_body_without_a_content_type_as_json()
    {
        // Lenient on purpose: only a content type that says something else than JSON is refused.
        var body = new ByteArrayContent(Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(Signed.Detached(Rx.Document()))));

        using var response = await Api.PostAsync("/v1/prescriptions", Clinic, body);

        await ExpectAsync(response, HttpStatusCode.Created);
    }

    [Test]
    public async Task Should_refuse_a_body_over_one_mebibyte()
    {
        var body = $"{{\"document\":\"{new string('A', 1024 * 1024)}\",\"signature\":\"AAAA\"}}";
        // The server refuses on the declared length and closes without reading the body, so a client that sends it at once may
        // meet a broken pipe before it reads the answer; a client sending a large body asks first (Expect: 100-continue), and
        // gets the 413 instead of the go-ahead.
        var request = Api.Request(HttpMethod.Post, "/v1/prescriptions", Clinic, Json(body));
        request.Headers.ExpectContinue = true;

        using var response = await Api.SendAsync(request);

        await ExpectProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_refuse_a_streamed_body_over_one_mebibyte()
    {
        // Chunked, so the size is only known while reading.
        var bytes = Encoding.UTF8.GetBytes($"{{\"document\":\"{new string('A', 1100 * 1024)}\",\"signature\":\"AAAA\"}}");
        var body = new StreamContent(new MemoryStream(bytes));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = Api.Request(HttpMethod.Post, "/v1/prescriptions", Clinic, body);
        request.Headers.TransferEncodingChunked = true;

        using var response = await Api.SendAsync(request);

        await ExpectProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
        await Api.AssertNothingStoredAsync();
    }
}
