using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Writing;
using EPrescription.Server.Clients;
using EPrescription.Signatures.Signing;

namespace EPrescription.Cli;

/// <summary>
/// `eprx demo --url URL`: the whole flow against a running server in a minute, each step printed — a clinic signs and registers
/// a prescription, the exchange slip is written to a file, the same prescription registered again is answered with a
/// duplicate-medication warning (重複投薬) and cancelled, a notebook app links the patient, a pharmacy receives the first and
/// reports the pharmacist-signed dispensing, and the notebook record arrives. Uses the development keys and PKI unless told otherwise.
/// </summary>
public sealed class DemoCommand : ICommand
{
    public string Usage => "demo [--url URL] [--certs DIR] [--out DIR] [--clinic-key K] [--pharmacy-key K] [--notebook-key K]";

    public string Summary => "Walk through register → slip → duplicate warning → link → receive → dispense → notebook record against a running server.";

    public async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var options = Options.Parse(args, stderr);
        if (options is null) return ExitCodes.Usage;
        try
        {
            return await new Walkthrough(options, stdout).RunAsync();
        }
        catch (DemoStepFailed e)
        {
            stderr.WriteLine($"eprx demo: {e.Message}");
            return ExitCodes.Invalid;
        }
        catch (HttpRequestException e)
        {
            stderr.WriteLine($"eprx demo: cannot reach {options.Url}: {e.Message}. Start the server first: dotnet run --project src/EPrescription.Api");
            return ExitCodes.Unreadable;
        }
        catch (IOException e)
        {
            stderr.WriteLine($"eprx demo: {e.Message}");
            return ExitCodes.Unreadable;
        }
    }

    private sealed record Options(Uri Url, string Certs, string Out, string ClinicKey, string PharmacyKey, string NotebookKey)
    {
        public static Options? Parse(string[] args, TextWriter stderr)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < args.Length; i++)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                {
                    stderr.WriteLine($"eprx demo: unexpected '{args[i]}'.");
                    return null;
                }
                values[args[i][2..]] = args[++i];
            }
            var known = new[] { "url", "certs", "out", "clinic-key", "pharmacy-key", "notebook-key" };
            if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
            {
                stderr.WriteLine($"eprx demo: unknown option --{unknown}.");
                return null;
            }
            if (!Uri.TryCreate(values.GetValueOrDefault("url", "http://127.0.0.1:5080"), UriKind.Absolute, out var url))
            {
                stderr.WriteLine("eprx demo: --url must be an absolute URL such as http://127.0.0.1:5080.");
                return null;
            }
            return new Options(url, values.GetValueOrDefault("certs", "certs-dev"), values.GetValueOrDefault("out", "."),
                values.GetValueOrDefault("clinic-key", DevClients.Clinic.ApiKey), values.GetValueOrDefault("pharmacy-key", DevClients.Pharmacy.ApiKey),
                values.GetValueOrDefault("notebook-key", DevClients.NotebookApp.ApiKey));
        }
    }

    private sealed class DemoStepFailed(string message) : Exception(message);

    private sealed class Walkthrough(Options options, TextWriter output)
    {
        private readonly HttpClient _http = new() { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(60) };
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _step;

        public async Task<int> RunAsync()
        {
            output.WriteLine($"EPrescription demo against {options.Url}");
            var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(9)); // a business date in Japan

            var prescription = WithField(Resource("prescription.txt"), "51", 1, today.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture));
            var doctor = Key("doctor.p12");
            var signedAt = DateTimeOffset.UtcNow;
            var signature = new CmsSigner().Sign(prescription, doctor, new SigningOptions { Detached = true, SigningTime = signedAt });
            Step($"The clinic's doctor signs a JAHIS10 prescription issued today ({prescription.Length} bytes, detached CMS by {doctor.Certificate.SubjectDN})");

            var registered = await SendAsync(HttpMethod.Post, "/v1/prescriptions", options.ClinicKey,
                new { document = Convert.ToBase64String(prescription), signature = Convert.ToBase64String(signature) });
            var id = registered.GetProperty("prescriptionId").GetString()!;
            var code = registered.GetProperty("exchangeCode").GetString()!;
            Step($"Registered: prescription ID {id}, exchange code {code}, valid through {registered.GetProperty("expiresOn").GetString()}");

            var slip = await GetTextAsync($"/v1/prescriptions/{id}/slip", options.ClinicKey);
            Directory.CreateDirectory(options.Out);
            var slipFile = Path.GetFullPath(Path.Combine(options.Out, $"slip-{id}.html"));
            await File.WriteAllTextAsync(slipFile, slip);
            Step($"Exchange slip written to {slipFile} (open it in a browser and print: one A5 page with the QR code)");

            await ShowDuplicateWarningAsync(prescription, doctor, signedAt);

            var link = await SendAsync(HttpMethod.Post, "/v1/notebook/links", options.NotebookKey, new { prescriptionId = id, exchangeCode = code });
            Step($"The patient scans the slip in their notebook app: linked ({link.GetProperty("linkId").GetString()})");

            var received = await SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/receive", options.PharmacyKey, new { exchangeCode = code });
            var verification = received.GetProperty("verification");
            Step($"A pharmacy receives it: status {received.GetProperty("status").GetString()}, signed by {verification.GetProperty("signer").GetString()} ({verification.GetProperty("role").GetString()}), signature valid: {verification.GetProperty("valid").GetBoolean()}");

            var dispensing = WithField(Resource("dispensing.csv"), "5", 1, today.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture));
            var pharmacist = Key("pharmacist.p12");
            var signedDispensing = new CmsSigner().Sign(dispensing, pharmacist, new SigningOptions { Detached = false });
            const string note = "疑義照会の結果、ロキソニン錠を継続。胃の不快感の訴えあり、次回診察時にご確認ください。";
            var dispensed = await SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/dispensing", options.PharmacyKey,
                new { signedDocument = Convert.ToBase64String(signedDispensing), important = true, noteToPrescriber = note });
            Step($"The pharmacist reports the dispensing (JAHISTC08, signed by {pharmacist.Certificate.SubjectDN}), flagged important with a note to the prescriber: status {dispensed.GetProperty("status").GetString()}");

            await ShowPrescriberFeedbackAsync(id);

            var record = await WaitForRecordAsync(id);
            var text = System.Text.Encoding.GetEncoding(932).GetString(Convert.FromBase64String(record.GetProperty("document").GetString()!));
            Step($"The notebook app receives dispensing record {record.GetProperty("id").GetString()}:");
            foreach (var line in text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Take(12)) output.WriteLine($"        {line}");
            output.WriteLine($"Done in {_clock.Elapsed.TotalSeconds:0.0} s.");
            return ExitCodes.Ok;
        }

        /// <summary>
        /// The doctor issues the same prescription again by mistake (signed anew, so it is not a retry of the first): the
        /// registration answers with what the patient already takes of the same ingredients, and the doctor cancels it.
        /// </summary>
        private async Task ShowDuplicateWarningAsync(byte[] prescription, SigningKey doctor, DateTimeOffset firstSignedAt)
        {
            // A signing time of its own makes other signature bytes; an identical signature would be answered as a retry.
            var signature = new CmsSigner().Sign(prescription, doctor, new SigningOptions { Detached = true, SigningTime = firstSignedAt.AddMinutes(-1) });
            var again = await SendAsync(HttpMethod.Post, "/v1/prescriptions", options.ClinicKey,
                new { document = Convert.ToBase64String(prescription), signature = Convert.ToBase64String(signature), consent = "card" });
            var id = again.GetProperty("prescriptionId").GetString()!;
            var duplicates = again.GetProperty("duplicateMedication").EnumerateArray().ToList();
            Step($"The doctor registers the same prescription again by mistake ({id}); the answer carries {duplicates.Count} duplicate-medication " +
                 "warning(s) (重複投薬, shown in full with the patient's consent by card):");
            foreach (var entry in duplicates)
            {
                var from = entry.GetProperty("sameInstitution").GetBoolean() ? "this institution" : "another institution";
                var name = entry.TryGetProperty("drugName", out var drugName) ? $": {drugName.GetString()}" : "";
                output.WriteLine($"        RP {entry.GetProperty("rp").GetInt32()} drug {entry.GetProperty("drug").GetInt32()}: ingredient " +
                                 $"{entry.GetProperty("ingredient").GetString()} ({entry.GetProperty("route").GetString()}) taken until " +
                                 $"{entry.GetProperty("takingUntil").GetString()}, {entry.GetProperty("source").GetString()} from {from}{name}");
            }
            var cancelled = await SendAsync(HttpMethod.Post, $"/v1/prescriptions/{id}/cancel", options.ClinicKey, null);
            Step($"The doctor cancels the duplicate: status {cancelled.GetProperty("status").GetString()}");
        }

        /// <summary>
        /// The clinic sees what became of its prescription (SPEC §11): the dispensing with the pharmacist's note, and its event
        /// feed, which it polls with one cursor for all its prescriptions.
        /// </summary>
        private async Task ShowPrescriberFeedbackAsync(string id)
        {
            var dispensings = (await SendAsync(HttpMethod.Get, $"/v1/prescriptions/{id}/dispensings", options.ClinicKey, null))
                .GetProperty("dispensings").EnumerateArray().ToList();
            var result = dispensings.Single();
            Step($"The clinic reads the dispensing result: {result.GetProperty("pharmacy").GetProperty("name").GetString()} on " +
                 $"{result.GetProperty("dispensedOn").GetString()}, important: {result.GetProperty("important").GetBoolean()}, " +
                 $"note to the prescriber: {result.GetProperty("noteToPrescriber").GetString()}");

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            List<string> types;
            do
            {
                var page = await SendAsync(HttpMethod.Get, "/v1/clinic/events?limit=1000", options.ClinicKey, null);
                types = page.GetProperty("events").EnumerateArray()
                    .Where(e => e.GetProperty("prescriptionId").GetString() == id).Select(e => e.GetProperty("type").GetString()!).ToList();
                if (types.Contains("dispensed")) break;
                await Task.Delay(200);
            }
            while (DateTime.UtcNow < deadline);
            if (!types.Contains("dispensed")) throw new DemoStepFailed("the clinic's event feed did not show the dispensing within 30 s");
            Step($"The clinic's event feed for the prescription: {string.Join(", ", types)}");
        }

        private void Step(string text) => output.WriteLine($"[{++_step}] {_clock.Elapsed.TotalSeconds,5:0.0}s  {text}");

        private async Task<JsonElement> WaitForRecordAsync(string prescriptionId)
        {
            string? cursor = null;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                var page = await SendAsync(HttpMethod.Get, "/v1/notebook/records" + (cursor is null ? "" : $"?after={Uri.EscapeDataString(cursor)}"), options.NotebookKey, null);
                foreach (var record in page.GetProperty("records").EnumerateArray())
                {
                    if (record.GetProperty("prescriptionId").GetString() == prescriptionId) return record.Clone();
                }
                cursor = page.GetProperty("nextCursor").GetString() ?? cursor;
                if (!page.GetProperty("hasMore").GetBoolean()) await Task.Delay(250);
            }
            throw new DemoStepFailed("the notebook record did not arrive within 30 s; is the notebook sync running (Bus__RunNotebookSync)?");
        }

        private async Task<JsonElement> SendAsync(HttpMethod method, string path, string key, object? body)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            if (body is not null) request.Content = JsonContent.Create(body);
            using var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new DemoStepFailed($"{method} {path} answered {(int)response.StatusCode}: {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }

        private async Task<string> GetTextAsync(string path, string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode ? text : throw new DemoStepFailed($"GET {path} answered {(int)response.StatusCode}: {text}");
        }

        private SigningKey Key(string file)
        {
            var path = Path.Combine(options.Certs, "signers", file);
            if (!File.Exists(path)) throw new IOException($"{path} not found: run the demo from the repository root, or pass --certs with the development PKI folder.");
            return SigningKey.FromPkcs12File(path, "dev-only");
        }

        private static byte[] Resource(string name)
        {
            using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream($"EPrescription.Cli.Demo.{name}")!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        /// <summary>The document with one field of the records of that number replaced, written back canonically.</summary>
        private static byte[] WithField(byte[] bytes, string record, int position, string value) =>
            JahisWriter.Write(JahisReader.Read(bytes).WithField(record, position, value));
    }
}
