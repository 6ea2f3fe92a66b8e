using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EPrescription.LoadGenerator.Documents;
using EPrescription.Server.Clients;

namespace EPrescription.LoadGenerator.Http;

/// <summary>A step that did not succeed, with its cause as the report counts it: "409 NOT_HELD", "timeout", "connection".</summary>
internal sealed class StepFailed(string cause, string detail) : Exception(detail)
{
    public string Cause { get; } = cause;
}

/// <summary>The HTTP requests of a lifecycle, as the development clinic, pharmacy and notebook app send them.</summary>
internal sealed class LifecycleClient(HttpClient http)
{
    public sealed record Registered(string PrescriptionId, string ExchangeCode);

    public sealed record FeedRecord(string PrescriptionId);

    public sealed record FeedPage(IReadOnlyList<FeedRecord> Records, string? NextCursor, bool HasMore);

    public static HttpClient CreateHttpClient(Uri url) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = int.MaxValue,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    })
    {
        BaseAddress = url,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public async Task<bool> IsReadyAsync(CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync("/health/ready", ct);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public async Task<Registered> RegisterAsync(SignedPrescription prescription, CancellationToken ct)
    {
        using var json = await SendAsync(HttpMethod.Post, "/v1/prescriptions", DevClients.Clinic.ApiKey, prescription.RegisterBody, ct);
        var root = json.RootElement;
        return new Registered(root.GetProperty("prescriptionId").GetString()!, root.GetProperty("exchangeCode").GetString()!);
    }

    public async Task ReceiveAsync(Registered prescription, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes($"{{\"exchangeCode\":\"{prescription.ExchangeCode}\"}}");
        using var _ = await SendAsync(HttpMethod.Post, $"/v1/prescriptions/{prescription.PrescriptionId}/receive", DevClients.Pharmacy.ApiKey, body, ct);
    }

    public async Task DispenseAsync(Registered prescription, byte[] dispenseBody, CancellationToken ct)
    {
        using var _ = await SendAsync(HttpMethod.Post, $"/v1/prescriptions/{prescription.PrescriptionId}/dispensing", DevClients.Pharmacy.ApiKey, dispenseBody, ct);
    }

    public async Task LinkNotebookAsync(Registered prescription, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes($"{{\"prescriptionId\":\"{prescription.PrescriptionId}\",\"exchangeCode\":\"{prescription.ExchangeCode}\"}}");
        using var _ = await SendAsync(HttpMethod.Post, "/v1/notebook/links", DevClients.NotebookApp.ApiKey, body, ct);
    }

    public async Task<FeedPage> ReadFeedAsync(string? after, CancellationToken ct)
    {
        var path = "/v1/notebook/records?limit=1000" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after));
        using var json = await SendAsync(HttpMethod.Get, path, DevClients.NotebookApp.ApiKey, null, ct);
        var root = json.RootElement;
        var records = root.GetProperty("records").EnumerateArray().Select(r => new FeedRecord(r.GetProperty("prescriptionId").GetString()!)).ToList();
        return new FeedPage(records, root.GetProperty("nextCursor").GetString(), root.GetProperty("hasMore").GetBoolean());
    }

    private async Task<JsonDocument> SendAsync(HttpMethod method, string path, string key, byte[]? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new StepFailed("timeout", $"{method} {path}: no answer within {http.Timeout.TotalSeconds:0} s ({e.Message})");
        }
        catch (HttpRequestException e)
        {
            throw new StepFailed("connection", $"{method} {path}: {e.Message}");
        }
        using (response)
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            if (response.IsSuccessStatusCode) return JsonDocument.Parse(bytes);
            throw new StepFailed($"{(int)response.StatusCode} {ProblemCode(bytes)}", $"{method} {path} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
        }
    }

    private static string ProblemCode(byte[] body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            return problem.RootElement.TryGetProperty("code", out var code) ? code.GetString() ?? "?" : "?";
        }
        catch (JsonException)
        {
            return "(no problem document)";
        }
    }
}
