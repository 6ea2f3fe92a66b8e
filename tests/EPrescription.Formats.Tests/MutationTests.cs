using System.Globalization;
using System.Text;
using EPrescription.Formats.Notebook;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Formats.Validation;
using EPrescription.Formats.Writing;

namespace EPrescription.Formats.Tests;

/// <summary>
/// The validator's promise, tried on thousands of documents: every document it accepts, the typed readers read (and what
/// reads them next: the notebook record built from a prescription, splitting and joining a notebook document), and no
/// document makes anything throw but the format's own error. The documents are mutations of the shared samples and of every
/// peer fixture, each from its own seed: a failure names the file and the seed, and
/// <c>Mutate(bytes, new Random(seed))</c> gives the same document again. EPRX_MUTATION_FACTOR runs more of them.
/// </summary>
public class MutationTests
{
    private static readonly int SampleMutations = Count(600);
    private static readonly int PeerMutations = Count(16);
    private const int RandomInputs = 3000;

    private static readonly Encoding Cp932 = CodePages();

    public static IEnumerable<string> WireSamples => Samples.AllJahis;

    public static IEnumerable<string> PeerOrigins => PeerFixtureTests.Origins;

    [TestCaseSource(nameof(WireSamples))]
    public void Should_read_every_mutated_sample_it_accepts_and_fail_on_none(string name)
    {
        var outcome = Fuzz(name, Samples.Bytes(name), SampleMutations);
        TestContext.Out.WriteLine($"{name}: {outcome.Valid} valid, {outcome.Invalid} invalid of {SampleMutations}");

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Failures, Is.Empty);
            Assert.That(outcome.Invalid, Is.GreaterThan(SampleMutations / 3), "most mutations should be caught as invalid, or the mutator is too gentle");
            Assert.That(outcome.Valid, Is.GreaterThan(SampleMutations / 20), "some mutations should stay valid, or the typed readers are hardly tried");
        });
    }

    [TestCaseSource(nameof(PeerOrigins))]
    public void Should_read_every_mutated_peer_fixture_it_accepts_and_fail_on_none(string origin)
    {
        PeerFixtures.RequireFolder();
        var failures = new List<string>();
        var valid = 0;

        foreach (var fixture in PeerFixtures.All.Where(f => f.Origin == origin))
        {
            var outcome = Fuzz(fixture.Name, fixture.Bytes(), PeerMutations);
            failures.AddRange(outcome.Failures);
            valid += outcome.Valid;
        }

        TestContext.Out.WriteLine($"{origin}: {valid} mutations stayed valid");
        Assert.Multiple(() =>
        {
            Assert.That(failures.Take(10), Is.Empty, $"{failures.Count} failure(s)");
            Assert.That(valid, Is.GreaterThan(0), "some mutations should stay valid, or the typed readers are hardly tried");
        });
    }

    [Test]
    public void Should_never_fail_with_anything_but_a_format_error_on_random_input()
    {
        var random = new Random(20251124);
        var failures = new List<string>();
        string[] headers = ["JAHIS10\r\n", "JAHISTC08,1\r\n", "JAHISTC08,2\r\n", "JAHIS5\n", ""];

        for (var i = 0; i < RandomInputs; i++)
        {
            var header = Encoding.ASCII.GetBytes(headers[i % headers.Length]);
            var body = new byte[random.Next(0, 400)];
            if (i % 3 == 0)
            {
                // Text-like noise: digits, commas, line ends and Shift_JIS lead bytes in JAHIS-like proportions.
                byte[] alphabet = [(byte)'0', (byte)'1', (byte)'2', (byte)'5', (byte)'9', (byte)',', (byte)',', (byte)'\r', (byte)'\n', 0x82, 0xA0, 0x81, 0x1A, (byte)'R'];
                for (var j = 0; j < body.Length; j++) body[j] = alphabet[random.Next(alphabet.Length)];
            }
            else
            {
                random.NextBytes(body);
            }
            Try([.. header, .. body], failures, $"random input {i}");
        }

        Assert.That(failures, Is.Empty);
    }

    private sealed record Outcome(List<string> Failures, int Valid, int Invalid);

    private static Outcome Fuzz(string name, byte[] original, int mutations)
    {
        var failures = new List<string>();
        var fileSeed = StableHash(name);
        var valid = 0;
        var invalid = 0;
        for (var i = 0; i < mutations; i++)
        {
            var seed = unchecked(fileSeed + i * 7919);
            var mutated = Mutate(original, new Random(seed));
            switch (Try(mutated, failures, $"{name} seed {seed}"))
            {
                case true: valid++; break;
                case false: invalid++; break;
            }
        }
        return new Outcome(failures, valid, invalid);
    }

    /// <summary>
    /// Reads, validates and writes; for an accepted document also everything that reads one. Null when the reader refused the
    /// bytes (or something failed), else whether the document is valid.
    /// </summary>
    private static bool? Try(byte[] input, List<string> failures, string what)
    {
        JahisDocument document;
        try
        {
            document = JahisReader.Read(input);
        }
        catch (JahisFormatException)
        {
            return null;
        }
        catch (Exception e)
        {
            failures.Add($"{what}: the reader threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            return null;
        }

        try
        {
            var report = JahisValidator.Validate(document);
            JahisWriter.Write(document);
            // The validator's last resort (it reads the document into its typed model) must never be what refuses it.
            if (report.Problems.FirstOrDefault(p => p.Code == JahisFormatException.Unreadable) is { } unreadable)
                throw new InvalidOperationException($"only the typed reader found what the layout's rules missed: {unreadable}");
            if (!report.IsValid)
            {
                ReadInvalid(document);
                return false;
            }
            ReadValid(document);
            return true;
        }
        catch (Exception e)
        {
            failures.Add($"{what}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}\n--- document ---\n{JahisWriter.WriteText(document.Records)}");
            return null;
        }
    }

    /// <summary>An accepted document goes through every reader; none may fail, not even with the format's own error.</summary>
    private static void ReadValid(JahisDocument document)
    {
        if (document.Format == JahisFormat.Prescription)
        {
            var prescription = PrescriptionReader.Read(document);
            var dispensing = new Dispensing
            {
                Date = prescription.IssueDate,
                Pharmacy = new DispensingPharmacy("みほん薬局", "13", "1234567"),
                PharmacistName = "薬剤師 花子",
            };
            var notebook = NotebookWriter.ToDocument(DispensingBlockBuilder.BuildNotebook(prescription, dispensing));
            JahisValidator.Validate(notebook);
            JahisWriter.Write(notebook);
            return;
        }

        NotebookReader.Read(document);
        if (SplitDocuments.IsPart(document)) return; // one part alone does not join; its reading is what matters here
        var largest = document.Records.Max(r => JahisWriter.Write([r]).Length);
        var parts = SplitDocuments.Split(document, Math.Max(400, 4 * largest), "20250610120000");
        var joined = SplitDocuments.Join(parts);
        var report = JahisValidator.Validate(joined);
        if (!report.IsValid)
            throw new InvalidOperationException($"split into {parts.Count} and joined, the document is no longer valid: {string.Join("; ", report.Errors.Take(3))}");
        NotebookReader.Read(joined);
    }

    /// <summary>A refused document may still reach a typed reader (a caller that skips validation): the format's own error only.</summary>
    private static void ReadInvalid(JahisDocument document)
    {
        try
        {
            if (document.Format == JahisFormat.Prescription) PrescriptionReader.Read(document);
            else NotebookReader.Read(document);
        }
        catch (JahisFormatException)
        {
            // The format's own error, naming line, record and field: what callers turn into DOCUMENT_INVALID.
        }
    }

    /// <summary>One to three edits: bytes, fields (a value replaced by one that breaks a type or a rule) or whole lines.</summary>
    public static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = original;
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits && bytes.Length > 0; e++)
        {
            bytes = random.Next(10) switch
            {
                < 4 => MutateField(bytes, random),
                < 6 => MutateLines(bytes, random),
                _ => MutateBytes(bytes, random),
            };
        }
        return bytes;
    }

    private static readonly string[] Values =
    [
        "", " ", "　", " 1", "1 ", "-14", "A", "A1", "X", "0", "00", "000", "1", "2", "3", "4", "9", "10", "99", "999", "1000",
        "99999999999", "1.5", "0.25", "1.50", "１", "２", "20250231", "20250610", "R070610", "S330303", "3350606", "5070610",
        "198504", "1985", "363", "ｱｲｳ", "■", "\uE000", "\uF8F0", "x\r", "1\t", "😀", "髙", "103-0001", "06139992", "1234567",
        "13", "01", "JAHIS10", new string('あ', 70), new string('9', 20),
    ];

    private static byte[] MutateField(byte[] bytes, Random random)
    {
        var (text, encoding) = Decode(bytes);
        var lines = text.Split('\n');
        var index = random.Next(lines.Length);
        var line = lines[index];
        var ending = line.EndsWith('\r') ? "\r" : "";
        var fields = line[..^ending.Length].Split(',').ToList();
        var position = random.Next(fields.Count + 1);
        while (fields.Count <= position) fields.Add("");
        fields[position] = random.Next(4) switch
        {
            0 => fields[random.Next(fields.Count)],                                   // another field's value
            1 => fields[position] + Values[random.Next(Values.Length)],              // something appended
            _ => Values[random.Next(Values.Length)],
        };
        lines[index] = string.Join(',', fields) + ending;
        return encoding.GetBytes(string.Join('\n', lines));
    }

    private static byte[] MutateLines(byte[] bytes, Random random)
    {
        var (text, encoding) = Decode(bytes);
        var lines = text.Split('\n').ToList();
        if (lines.Count < 2) return bytes;
        var a = random.Next(1, lines.Count);
        switch (random.Next(5))
        {
            case 0: lines.RemoveAt(a); break;
            case 1: lines.Insert(a, lines[random.Next(1, lines.Count)]); break;
            case 2:
                var b = random.Next(1, lines.Count);
                (lines[a], lines[b]) = (lines[b], lines[a]);
                break;
            case 3: lines[a] = lines[a].TrimEnd('\r') + "\r\r"; break; // CR CR LF
            default: lines[a] = lines[a].TrimEnd('\r'); break;         // LF alone
        }
        return encoding.GetBytes(string.Join('\n', lines));
    }

    private static byte[] MutateBytes(byte[] original, Random random)
    {
        var bytes = original.ToList();
        var at = random.Next(bytes.Count);
        switch (random.Next(7))
        {
            case 0: bytes[at] = (byte)random.Next(256); break;
            case 1: bytes.RemoveAt(at); break;
            case 2: bytes.Insert(at, (byte)','); break;
            case 3: bytes.Insert(at, (byte)random.Next(256)); break;
            case 4: bytes.RemoveRange(at, bytes.Count - at); break;
            case 5: bytes.InsertRange(0, new byte[] { 0xEF, 0xBB, 0xBF }); break;
            default: bytes[at] = (byte)"0123456789,ABC "[random.Next(15)]; break;
        }
        return [.. bytes];
    }

    /// <summary>The text in the document's own encoding, so that a field edit keeps the rest of the bytes.</summary>
    private static (string Text, Encoding Encoding) Decode(byte[] bytes)
    {
        try
        {
            return (JahisTextProbe.StrictUtf8.GetString(bytes), new UTF8Encoding(false));
        }
        catch (DecoderFallbackException)
        {
            return (Cp932.GetString(bytes), Cp932);
        }
    }

    private static class JahisTextProbe
    {
        public static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
    }

    /// <summary>FNV-1a of the name: the same seed on every machine and run (string.GetHashCode differs per process).</summary>
    private static int StableHash(string name)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(name)) hash = (hash ^ b) * 16777619u;
        return (int)(hash & 0x7FFFFFFF);
    }

    /// <summary>EPRX_MUTATION_FACTOR=10 runs ten times as many mutations (the default keeps the suite within seconds).</summary>
    private static int Count(int byDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("EPRX_MUTATION_FACTOR"), NumberStyles.None, CultureInfo.InvariantCulture, out var factor) && factor > 0
            ? factor * byDefault
            : byDefault;

    private static Encoding CodePages()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(932);
    }
}
