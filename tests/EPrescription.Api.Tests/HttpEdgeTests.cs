using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests;

/// <summary>
/// Requests the framework itself refuses, or that cannot be read at all, still get a problem document with a 4xx, as every
/// other error does; none is a 500.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class HttpEdgeTests(DatabaseProvider provider) : ApiScenario(provider)
{
    [Test]
    public async Task Should_refuse_a_malformed_chunked_body_as_the_clients_error()
    {
        var body = Encoding.ASCII.GetBytes("zz\r\n{\"document\":\"\"}\r\n0\r\n\r\n");

        var (status, contentType, text) = await SendRawAsync("POST", "/v1/prescriptions", Clinic.ApiKey, body);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(400), text);
            Assert.That(contentType, Does.StartWith("application/problem+json"), text);
            Assert.That(JsonDocument.Parse(text).RootElement.GetProperty("code").GetString(), Is.EqualTo("REQUEST_INVALID"), text);
        });
        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_refuse_a_malformed_chunked_dispensing_body_as_the_clients_error()
    {
        var body = Encoding.ASCII.GetBytes("zz\r\n{}\r\n0\r\n\r\n");

        var (status, contentType, text) = await SendRawAsync("POST", "/v1/prescriptions/7KQM4R-X9TB3H-PWC2DF/dispensing", Pharmacy.ApiKey, body);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(400), text);
            Assert.That(contentType, Does.StartWith("application/problem+json"), text);
        });
    }

    [TestCase("DELETE", "/v1/prescriptions")]
    [TestCase("PUT", "/v1/prescriptions/7KQM4R-X9TB3H-PWC2DF/receive")]
    [TestCase("POST", "/v1/audit")]
    public async Task Should_answer_a_wrong_method_with_a_problem_document(string method, string path)
    {
        using var response = await Api.SendAsync(Api.Request(new HttpMethod(method), path, Clinic, Json("{}")));

        await ExpectProblemAsync(response, HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED");
    }

    [TestCase("text/plain")]
    [TestCase("application/xml")]
    [TestCase("multipart/form-data")]
    public async Task Should_answer_a_refused_content_type_with_a_problem_document(string mediaType)
    {
        using var response = await Api.PostAsync("/v1/prescriptions", Clinic, Json("{}", mediaType));

        await ExpectProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
    }

    [TestCase("NOTANID")]
    [TestCase("%00")]
    [TestCase("7KQM4R-X9TB3H-PWC2DG")] // one character off: the check character catches it
    public async Task Should_refuse_an_audit_query_for_something_that_cannot_be_a_prescription_id(string id)
    {
        using var response = await Api.GetAsync($"/v1/audit?prescriptionId={id}", Admin);

        var problem = await ExpectProblemAsync(response, HttpStatusCode.BadRequest, "REQUEST_INVALID");
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("not a prescription ID"));
    }

    [Test]
    public async Task Should_refuse_an_audit_query_of_five_thousand_characters()
    {
        using var response = await Api.GetAsync($"/v1/audit?prescriptionId={new string('A', 5000)}", Admin);

        await ExpectProblemAsync(response, HttpStatusCode.BadRequest, "REQUEST_INVALID");
    }

    /// <summary>
    /// A request written byte by byte, chunked, as HttpClient would never send it; returns the status, content type and body
    /// of the answer (the body de-chunked).
    /// </summary>
    private async Task<(int Status, string ContentType, string Body)> SendRawAsync(string method, string path, string apiKey, byte[] chunkedBody)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(Api.BaseAddress.Host, Api.BaseAddress.Port);
        await using var stream = client.GetStream();
        var head = $"{method} {path} HTTP/1.1\r\nHost: {Api.BaseAddress.Authority}\r\nAuthorization: Bearer {apiKey}\r\n" +
                   "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(chunkedBody);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = await reader.ReadToEndAsync(timeout.Token);
        var split = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = answer[..split].Split("\r\n");
        var status = int.Parse(headers[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var contentType = headers.FirstOrDefault(h => h.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))?[13..].Trim() ?? "";
        var rest = answer[(split + 4)..];
        var chunked = headers.Any(h => h.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && h.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        return (status, contentType, chunked ? Dechunk(rest) : rest);
    }

    private static string Dechunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (true)
        {
            var end = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[at..end], 16);
            if (size == 0) return body.ToString();
            // The answer is ASCII-only JSON here, so characters and bytes coincide.
            body.Append(chunked, end + 2, size);
            at = end + 2 + size + 2;
        }
    }
}
