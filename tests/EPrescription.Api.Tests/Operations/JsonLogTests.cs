using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EPrescription.Server.Clients;

namespace EPrescription.Api.Tests.Operations;

/// <summary>
/// JSON logs as a log shipper reads them: the real service as its own process with Logging__Console__FormatterName=json,
/// everything logged at Debug. Every line on its console is one JSON object; the lines written while handling a request carry
/// the request's trace and span ids; and, as in <see cref="PersonalDataTests"/>, no value of a patient's document appears,
/// neither as written nor once the JSON is decoded.
/// </summary>
public sealed class JsonLogTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Should_write_json_lines_with_trace_ids_and_no_personal_data()
    {
        await using var service = await ServiceProcess.StartAsync();
        using var http = new HttpClient { BaseAddress = service.Url, Timeout = Patience };

        // The scenario of PersonalDataTests: register (and again), read, cancel, and four refusals that quote the document.
        var body = Signed.Detached(Rx.Document());
        string id;
        using (var registered = await SendAsync(http, HttpMethod.Post, "/v1/prescriptions", DevClients.Clinic, body))
        {
            Assert.That(registered.StatusCode, Is.EqualTo(HttpStatusCode.Created), await registered.Content.ReadAsStringAsync());
            id = JsonDocument.Parse(await registered.Content.ReadAsStringAsync()).RootElement.GetProperty("prescriptionId").GetString()!;
        }
        (await SendAsync(http, HttpMethod.Post, "/v1/prescriptions", DevClients.Clinic, body)).Dispose();
        (await SendAsync(http, HttpMethod.Get, $"/v1/prescriptions/{id}", DevClients.Clinic)).Dispose();
        (await SendAsync(http, HttpMethod.Get, $"/v1/prescriptions/{id}", DevClients.DentalClinic)).Dispose();
        (await SendAsync(http, HttpMethod.Post, $"/v1/prescriptions/{id}/cancel", DevClients.Clinic)).Dispose();
        var refusals = new List<string>();
        foreach (var refused in new[]
        {
            Signed.Detached(Rx.Document(issuedOn: Rx.TodayInJapan.AddDays(1))),
            Signed.Detached(Rx.Document(institution: DevClients.DentalClinic.InstitutionCode!)),
            Signed.Detached(Rx.Document(), "expired"),
            Signed.Detached(Rx.Write(Rx.Records().Where(r => r.Number != "12"))),
        })
        {
            using var response = await SendAsync(http, HttpMethod.Post, "/v1/prescriptions", DevClients.Clinic, refused);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            refusals.Add(problem.GetProperty("traceId").GetString()!);
        }

        var lines = await service.StopAsync();
        var entries = new List<JsonElement>();
        foreach (var line in lines)
        {
            try
            {
                entries.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
            catch (JsonException)
            {
                Assert.Fail($"a console line that is not JSON: {line}");
            }
        }
        var decoded = string.Join('\n', entries.Select(e => e.ToString()).Concat(entries.SelectMany(Strings)));
        var traced = entries.Where(e => TraceIdOf(e) is not null).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(entries, Has.Count.GreaterThan(10), "the service logged something to look at");
            Assert.That(entries.All(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("LogLevel", out _) && e.TryGetProperty("Message", out _)), Is.True,
                "every line is a log entry object");
            foreach (var traceId in refusals)
            {
                Assert.That(traceId, Does.Match("^[0-9a-f]{32}$"));
                Assert.That(traced.Where(e => TraceIdOf(e) == traceId).Select(e => e.GetProperty("Message").GetString()),
                    Has.Some.Contains("refused"), $"the refusal's log line names trace {traceId}, as its problem document does");
            }
            Assert.That(traced.All(e => Scope(e, "SpanId") is { Length: 16 }), Is.True, "a span id beside each trace id");
            foreach (var value in PersonalDataTests.PatientData)
                Assert.That(decoded, Does.Not.Contain(value), $"the logs contain '{value}'");
        });
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, DevClient client, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.ApiKey);
        return http.SendAsync(request);
    }

    private static string? TraceIdOf(JsonElement entry) => Scope(entry, "TraceId");

    private static string? Scope(JsonElement entry, string name) =>
        entry.TryGetProperty("Scopes", out var scopes) && scopes.ValueKind == JsonValueKind.Array
            ? scopes.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out _))
                .Select(s => s.GetProperty(name).GetString()).FirstOrDefault()
            : null;

    /// <summary>Every string in the entry, decoded (\u escapes undone), so an escaped name cannot hide.</summary>
    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        _ => [],
    };

    /// <summary>EPrescription.Api as an operator runs it: its own process, SQLite in a temporary folder, JSON on the console.</summary>
    private sealed class ServiceProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly DirectoryInfo _folder;
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private ServiceProcess(Process process, DirectoryInfo folder)
        {
            _process = process;
            _folder = folder;
        }

        public Uri Url { get; private set; } = null!;

        public static async Task<ServiceProcess> StartAsync()
        {
            var folder = Directory.CreateTempSubdirectory("eprx-json-logs-");
            var trust = Path.Combine(Repository.Root, "certs-dev", "trust");
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder.FullName,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "EPrescription.Api.dll"));
            foreach (var (key, value) in new Dictionary<string, string>
            {
                ["urls"] = "http://127.0.0.1:0",
                ["Database__ConnectionString"] = $"Data Source={Path.Combine(folder.FullName, "eprescription.db")}",
                ["Signatures__TrustAnchors__0"] = trust,
                ["Signatures__Crls__0"] = trust,
                ["PatientKeys__Secret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["Logging__Console__FormatterName"] = "json",
                ["Logging__LogLevel__Default"] = "Debug",
                ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
                ["Logging__LogLevel__MassTransit"] = "Debug",
            })
                start.Environment[key] = value;

            var process = Process.Start(start)!;
            var service = new ServiceProcess(process, folder);
            process.OutputDataReceived += (_, line) => service.Read(line.Data);
            process.ErrorDataReceived += (_, line) => service.Read(line.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(Patience);
            try
            {
                service.Url = await service._listening.Task.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                await service.DisposeAsync();
                Assert.Fail("the service did not say where it listens:\n" + string.Join('\n', service._lines));
            }
            return service;
        }

        private void Read(string? line)
        {
            if (string.IsNullOrEmpty(line)) return;
            _lines.Enqueue(line);
            if (line.Contains("EPrescription is listening on", StringComparison.Ordinal))
            {
                try
                {
                    _listening.TrySetResult(new Uri(JsonDocument.Parse(line).RootElement.GetProperty("State").GetProperty("Url").GetString()!));
                }
                catch (JsonException e)
                {
                    _listening.TrySetException(e);
                }
            }
        }

        /// <summary>Stops the service as an orchestrator does (SIGTERM), so it writes out what it queued; returns every line.</summary>
        public async Task<IReadOnlyList<string>> StopAsync()
        {
            if (!_process.HasExited) _ = Kill(_process.Id, 15);
            using var timeout = new CancellationTokenSource(Patience);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
            _process.WaitForExit(); // the last lines reach the handlers
            return [.. _lines];
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) await StopAsync();
            _process.Dispose();
            try { _folder.Delete(recursive: true); } catch (IOException) { /* SQLite may still hold the file a moment. */ }
        }

        [DllImport("libc", EntryPoint = "kill")]
        private static extern int Kill(int pid, int signal);
    }
}
