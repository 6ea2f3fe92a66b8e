using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EPrescription.Api.Tests.Pharmacies;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests;

/// <summary>
/// Seeded mutations of the shared sample prescriptions and dispensing results, properly signed so that they reach the readers
/// and validators, sent through POST /v1/prescriptions and POST /v1/prescriptions/{id}/dispensing. Every answer is a success or
/// a 4xx problem document, never a 5xx; a refused request changes nothing; and no value of the samples' patients (name, birth
/// date, insurance numbers) appears in what the service logged, whatever exception a mutation provoked (SPEC §9).
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class FuzzTests(DatabaseProvider provider) : PharmacyScenario(provider, BusTransport.InMemory)
{
    private const int Seed = 20261202;
    private const int Mutants = 200;

    /// <summary>The samples' personal data: patient names (kanji, kana), birth date, insurer and card numbers, contact.</summary>
    private static readonly string[] PatientData =
        ["試験 花子", "試験　花子", "ｼｹﾝ ﾊﾅｺ", "シケン ハナコ", "19850415", "1985-04-15", "06139992", "１２３４", "５６７８", "090-0000-0002", "試験 太郎"];

    /// <summary>Values that readers tend to choke on: blanks, control characters, impossible dates, overlong numbers, full-width digits.</summary>
    private static readonly string[] Awkward =
    [
        "", " ", "\r", "zz", "-1", "0", "99999999999999999999", "19850431", "19470924\r", "２０２５０６１０", "Ｘ", "\"", "a;b", new('9', 300),
        "\u0000", "\t", "H370101", "S", "1a", "-", "+1", "1e5", "0x10", "１", "NaN", "ｱ", "00000000", "20250230", "2", "999", "13",
    ];

    private static readonly string[] Tables = ["prescriptions", "prescription_history", "outbox", "idempotency_keys", "dispensings"];

    private readonly List<string> _failures = [];

    [Test]
    public async Task Should_answer_every_mutated_prescription_with_success_or_a_4xx_problem_and_log_no_patient_data()
    {
        var random = new Random(Seed);
        string[] samples = [Rx.Basic, "rx_jahis10_03_split_instruction.txt"];
        for (var i = 0; i < Mutants; i++)
        {
            var (text, mutations) = Mutate(Rx.Records(samples[i % samples.Length], TodayInJapan), random);
            var (document, encoding) = Encode(text, random);
            var body = Signed.Body(document, Sign(document, Signed.Doctor), encoding);
            var before = await SnapshotAsync();

            using var response = await PostRegisterAsync(body);

            await CheckAsync(response, $"prescription #{i} ({mutations})", before, HttpStatusCode.Created);
        }
        AssertNoFailuresAndNoPatientDataLogged();
    }

    [Test]
    public async Task Should_answer_every_mutated_dispensing_with_success_or_a_4xx_problem_and_log_no_patient_data()
    {
        var random = new Random(Seed + 1);
        var visit = 0;
        var id = await ReceivedPrescriptionAsync(++visit);
        for (var i = 0; i < Mutants; i++)
        {
            var (text, mutations) = Mutate(Dispensings.Records(TodayInJapan), random);
            var (document, encoding) = Encode(text, random);
            var body = Signed.Body(document, Sign(document, Dispensings.Pharmacist), encoding);
            var before = await SnapshotAsync();

            using var response = await DispenseAsync(id, body);

            // A mutant the validator accepts is a dispensing like any other: the next mutants go to a fresh prescription.
            if (await CheckAsync(response, $"dispensing #{i} ({mutations})", before, HttpStatusCode.OK)) id = await ReceivedPrescriptionAsync(++visit);
        }
        AssertNoFailuresAndNoPatientDataLogged();
    }

    /// <summary>Checks one answer; returns true when it was the success <paramref name="success"/>.</summary>
    private async Task<bool> CheckAsync(HttpResponseMessage response, string what, IReadOnlyList<int> before, HttpStatusCode success)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == success) return true;
        var status = (int)response.StatusCode;
        if (status is < 400 or >= 500)
        {
            _failures.Add($"{what}: {status} {text}");
            return false;
        }
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json"
            || !JsonDocument.Parse(text).RootElement.TryGetProperty("code", out var code) || code.GetString() is not { Length: > 0 })
            _failures.Add($"{what}: {status} without a problem document: {text}");
        var after = await SnapshotAsync();
        if (!after.SequenceEqual(before))
            _failures.Add($"{what}: refused with {status} but changed rows ({string.Join(", ", Tables.Select((t, n) => $"{t} {before[n]}→{after[n]}"))})");
        return false;
    }

    private void AssertNoFailuresAndNoPatientDataLogged()
    {
        Assert.That(_failures, Is.Empty);
        var logged = Api.Logs.Text;
        Assert.That(logged, Is.Not.Empty, "the service logged something to look at");
        foreach (var value in PatientData)
            Assert.That(logged, Does.Not.Contain(value), $"the logs contain '{value}'");
    }

    private async Task<string> ReceivedPrescriptionAsync(int visit)
    {
        var (id, code) = await RegisterPrescriptionAsync(PrescriptionForVisit(visit));
        await ReceivedAsync(id, code);
        return id;
    }

    private async Task<IReadOnlyList<int>> SnapshotAsync()
    {
        var counts = new List<int>();
        foreach (var table in Tables) counts.Add(await Api.CountAsync(table));
        return counts;
    }

    /// <summary>One to three mutations of the records, written as text (CR LF), and what was done.</summary>
    private static (string Text, string Mutations) Mutate(List<JahisRecord> records, Random random)
    {
        var lines = records.Select(r => r.Values.ToList()).ToList();
        var done = new List<string>();
        for (var n = random.Next(1, 4); n > 0 && lines.Count > 1; n--)
        {
            var at = random.Next(1, lines.Count); // the version line stays, most of the time
            var line = lines[at];
            var field = random.Next(0, line.Count + 1);
            switch (random.Next(11))
            {
                case 0 or 1 or 10:
                    var value = Awkward[random.Next(Awkward.Length)];
                    if (field < line.Count) line[field] = value;
                    else line.Add(value);
                    done.Add($"line {at + 1} field {field} = {Show(value)}");
                    break;
                case 2:
                    // Blanks and stray control characters around a value: JAHIS asks readers to tolerate blanks, so the
                    // validator may pass what a typed reader then chokes on.
                    var blank = new[] { "\r", " ", "\u3000", "\u0000", "\t" }[random.Next(5)];
                    var (before, after) = random.Next(3) switch { 0 => (blank, ""), 1 => ("", blank), _ => (blank, blank) };
                    if (field == 0 || field >= line.Count) field = line.Count - 1;
                    if (field > 0) line[field] = before + line[field] + after;
                    done.Add($"line {at + 1} field {field} wrapped in {Show(before)}…{Show(after)}");
                    break;
                case 3:
                    lines.RemoveAt(at);
                    done.Add($"line {at + 1} removed");
                    break;
                case 4:
                    lines.Insert(random.Next(1, lines.Count), [.. line]);
                    done.Add($"line {at + 1} repeated");
                    break;
                case 5:
                    var other = random.Next(0, lines.Count);
                    (lines[at], lines[other]) = (lines[other], lines[at]);
                    done.Add($"lines {at + 1} and {other + 1} swapped");
                    break;
                case 6:
                    var keep = random.Next(1, Math.Max(2, line.Count));
                    line.RemoveRange(keep, line.Count - keep);
                    done.Add($"line {at + 1} cut to {keep} fields");
                    break;
                case 7:
                    line[0] = Awkward[random.Next(Awkward.Length)];
                    done.Add($"line {at + 1} record number = {Show(line[0])}");
                    break;
                case 8:
                    lines[0] = [.. lines[0]];
                    lines[0][0] = new[] { "JAHIS9", "JAHIS11", "JAHISTC07", "JAHIS10", "JAHISTC08", "" }[random.Next(6)];
                    done.Add($"version = {Show(lines[0][0])}");
                    break;
                default:
                    lines.RemoveRange(at, lines.Count - at);
                    done.Add($"cut after line {at}");
                    break;
            }
        }
        var text = string.Join("\r\n", lines.Select(l => string.Join(",", l))) + "\r\n";
        return (text, string.Join("; ", done));
    }

    /// <summary>UTF-8 (declared) or CP932 (the default), as clinic and pharmacy systems send them.</summary>
    private static (byte[] Document, string? Encoding) Encode(string text, Random random) =>
        random.Next(2) == 0 ? (Encoding.UTF8.GetBytes(text), "utf-8") : (JahisText.ToCp932(text), null);

    private static string Show(string value) => JsonSerializer.Serialize(value.Length > 20 ? value[..20] + "…" : value);
}
