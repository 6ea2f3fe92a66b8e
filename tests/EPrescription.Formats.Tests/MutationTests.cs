using EPrescription.Formats.Reading;
using EPrescription.Formats.Validation;
using EPrescription.Formats.Writing;

namespace EPrescription.Formats.Tests;

/// <summary>
/// No input of any kind makes the reader throw anything but its own format error, and the validator and writer never throw:
/// thousands of mutated samples and random inputs, from a fixed seed so a failure can be replayed.
/// </summary>
public class MutationTests
{
    private const int MutationsPerSample = 1500;
    private const int RandomInputs = 3000;

    public static IEnumerable<string> WireSamples => Samples.Prescriptions.Concat(Samples.Notebooks);

    [TestCaseSource(nameof(WireSamples))]
    public void Should_never_fail_with_anything_but_a_format_error_on_mutated_samples(string name)
    {
        var original = Samples.Bytes(name);
        var random = new Random(name.Length * 7919 + original.Length);
        var failures = new List<string>();
        var invalid = 0;

        for (var i = 0; i < MutationsPerSample; i++)
        {
            var mutated = Mutate(original, random);
            if (Survives(mutated, failures, $"{name} mutation {i}") == false) invalid++;
        }

        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty);
            Assert.That(invalid, Is.GreaterThan(MutationsPerSample / 2), "most mutations should be caught as invalid, or the mutator is too gentle");
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
            var header = System.Text.Encoding.ASCII.GetBytes(headers[i % headers.Length]);
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
            Survives([.. header, .. body], failures, $"random input {i}");
        }

        Assert.That(failures, Is.Empty);
    }

    /// <summary>Reads, validates and writes; null when the reader refused the bytes, else whether the document is valid.</summary>
    private static bool? Survives(byte[] input, List<string> failures, string what)
    {
        try
        {
            var document = JahisReader.Read(input);
            var report = JahisValidator.Validate(document);
            JahisWriter.Write(document);
            return report.IsValid;
        }
        catch (JahisFormatException)
        {
            return null;
        }
        catch (Exception e)
        {
            if (failures.Count < 5) failures.Add($"{what}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            return null;
        }
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = original.ToList();
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(9))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.RemoveAt(at); break;
                case 2: bytes.Insert(at, (byte)','); break;
                case 3: bytes.Insert(at, (byte)random.Next(256)); break;
                case 4: bytes.RemoveRange(at, bytes.Count - at); break;
                case 5: bytes.InsertRange(at, "\r\n"u8.ToArray()); break;
                case 6: SwapLines(bytes, random); break;
                case 7: DuplicateLine(bytes, random); break;
                default: bytes[at] = (byte)"0123456789,ABC"[random.Next(14)]; break;
            }
        }
        return [.. bytes];
    }

    private static List<(int Start, int Length)> LineSpans(List<byte> bytes)
    {
        var spans = new List<(int, int)>();
        var start = 0;
        for (var i = 0; i < bytes.Count; i++)
        {
            if (bytes[i] != '\n') continue;
            spans.Add((start, i - start + 1));
            start = i + 1;
        }
        return spans;
    }

    private static void SwapLines(List<byte> bytes, Random random)
    {
        var lines = LineSpans(bytes);
        if (lines.Count < 3) return;
        var a = random.Next(1, lines.Count - 1);
        var first = bytes.GetRange(lines[a].Start, lines[a].Length);
        var second = bytes.GetRange(lines[a + 1].Start, lines[a + 1].Length);
        bytes.RemoveRange(lines[a].Start, lines[a].Length + lines[a + 1].Length);
        bytes.InsertRange(lines[a].Start, second.Concat(first));
    }

    private static void DuplicateLine(List<byte> bytes, Random random)
    {
        var lines = LineSpans(bytes);
        if (lines.Count < 2) return;
        var (start, length) = lines[random.Next(lines.Count)];
        bytes.InsertRange(start, bytes.GetRange(start, length));
    }
}
