using System.Text.RegularExpressions;
using EPrescription.Formats.Notebook;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Validation;

namespace EPrescription.Formats.Tests;

/// <summary>
/// What other JAHIS parsers' tests expect of their documents (shared/formats/peer-fixtures/SOURCES.md), checked against this
/// project's reading. Where a peer and JAHIS disagree, JAHIS decides: every such fixture is listed below with the reason, and
/// the test checks that the list stays true.
/// </summary>
public partial class PeerFixtureTests
{
    public enum Outcome { Valid, Invalid, Unreadable }

    private const string AppendixRule = "an example of the JAHIS notebook specification's appendix (付録1): the specification's own examples are valid";

    /// <summary>Fixtures where this project's outcome differs from the origin's expectation, and why JAHIS sides with the project.</summary>
    private static readonly Dictionary<string, (Outcome Ours, string Why)> Disagreements = new(StringComparer.Ordinal)
    {
        // The notebook appendix examples contradict the record tables in three places; the peer reports them, JAHIS's own
        // examples are valid (the layout marks each reading with ⚠).
        ["medication-record-qr-format/example-07.txt"] = (Outcome.Valid, AppendixRule + ": 701 連絡先 left empty"),
        ["medication-record-qr-format/example-08.txt"] = (Outcome.Valid, AppendixRule + ": 411 written with 8 fields, its creator last"),
        ["medication-record-qr-format/example-11.txt"] = (Outcome.Valid, AppendixRule + ": 701 連絡先 left empty"),
        // Line ends: JAHIS records end with CR LF (LF tolerated); a lone CR is not a line end, so the file is one broken line.
        ["medication-record-qr-format/embedded/newline-cr.txt"] = (Outcome.Invalid, "JAHIS ends records with CR LF; CR alone is not a line end"),
        // Unknown records: JAHIS defines the record numbers; the peer keeps unknown ones, this project refuses them.
        ["medication-record-qr-format/embedded/unknown-record-999.txt"] = (Outcome.Invalid, "999 is no JAHIS notebook record"),
        ["medication-record-qr-format/embedded/record-before-dispensing-date.txt"] = (Outcome.Invalid, "JAHIS places record 11 inside a dispensing block, after its record 5"),
        // jahis-rx-parser's strict mode accepts prescriptions without insurance records; JAHIS.md §2.2 requires 22 and 23.
        ["jahis-rx-parser/embedded/parse-jahis-rx.valid-samples-001.txt"] = (Outcome.Invalid, NoInsurance),
        ["jahis-rx-parser/embedded/parse-jahis-rx.valid-samples-002.txt"] = (Outcome.Invalid, NoInsurance),
        ["jahis-rx-parser/embedded/parse-jahis-rx.valid-samples-003.txt"] = (Outcome.Invalid, NoInsurance),
        ["jahis-rx-parser/embedded/parse-jahis-rx.valid-samples-004.txt"] = (Outcome.Invalid, NoInsurance),
        ["jahis-rx-parser/embedded/parse-jahis-rx.valid-samples-005.txt"] = (Outcome.Invalid, NoInsurance),
        ["jahis-rx-parser/embedded/parse-jahis-rx.valid-samples-006.txt"] = (Outcome.Invalid, NoInsurance),
        ["jahis-rx-parser/embedded/parse-jahis-rx.validation-026.txt"] = (Outcome.Invalid, NoInsurance),
        ["jahis-rx-parser/sample.txt"] = (Outcome.Invalid, "its 保険者番号 (22) is 'Z3'; JAHIS.md §2.3 and §3.4: significant digits only, 6 or 8 with a check digit"),
        // The peer checks the characters of an 一般名コード; JAHIS.md gives it as type X, 12 bytes, and no character rule.
        ["jahis-rx-parser/embedded/parse-jahis-tc-006.txt"] = (Outcome.Valid, "JAHIS.md §4.3 defines 一般名コード as X 12 without a character rule"),
    };

    private const string NoInsurance = "no records 22 (保険者番号) and 23 (記号番号), which JAHIS.md §2.2 requires";

    /// <summary>
    /// jahis-rx-parser's non-strict mode reports missing required records and wrong fields as warnings: its "ok" there
    /// says that it parsed the document, not that the document is valid. Those fixtures count as "readable".
    /// </summary>
    private static string Expectation(PeerFixtures.Fixture fixture) =>
        fixture.Expects == "accept" && fixture.Basis.Contains("in non-strict mode", StringComparison.Ordinal) ? "readable" : fixture.Expects;

    /// <summary>
    /// Sample lines of the JAHIS prescription specification that JAHIS.md (which decides) reads otherwise: the specification
    /// illustrates a record's shape with placeholder values.
    /// </summary>
    private static readonly Dictionary<string, string> SampleLineDisagreements = new(StringComparer.Ordinal)
    {
        ["4,2,1,第一内科"] = "診療科コード '1': JAHIS.md §2.4 gives two-digit codes (01 内科)",
        ["4,2,1,"] = "診療科コード '1' (JAHIS.md §2.4: two digits) and no 診療科名, which JAHIS.md §2.3 requires (R)",
        ["22,0123"] = "a placeholder 保険者番号: JAHIS.md §3.4 wants 6 or 8 digits with a check digit",
        ["22,06012345"] = "a placeholder 保険者番号 whose check digit is wrong (JAHIS.md §3.4)",
        ["22,012345"] = "a placeholder 保険者番号 whose check digit is wrong (JAHIS.md §3.4)",
        ["22,67012345"] = "a placeholder 保険者番号 whose check digit is wrong (JAHIS.md §3.4)",
    };

    public static IEnumerable<string> Origins => PeerFixtures.Available ? PeerFixtures.Origins : ["(peer fixtures missing)"];

    [Test]
    public void Should_read_the_fixtures_SOURCES_md_lists_with_the_bytes_it_describes()
    {
        PeerFixtures.RequireFolder();

        var wrong = PeerFixtures.All.Where(f => PeerFixtures.Sha256Prefix(f.Bytes()) != f.Sha256Prefix).Select(f => f.Name).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(PeerFixtures.All, Has.Count.GreaterThan(400), "SOURCES.md lists every fixture in a table row");
            Assert.That(wrong, Is.Empty, "a fixture whose bytes differ from SOURCES.md's hash");
        });
    }

    [TestCaseSource(nameof(Origins))]
    public void Should_agree_with_what_each_origin_expects_where_JAHIS_agrees(string origin)
    {
        PeerFixtures.RequireFolder();
        var differences = new List<string>();

        foreach (var fixture in PeerFixtures.All.Where(f => f.Origin == origin))
        {
            var (outcome, report) = Check(fixture.Bytes());
            string? expected = Expectation(fixture) switch
            {
                "accept" when outcome != Outcome.Valid => "valid",
                "reject" when outcome == Outcome.Valid => "invalid or unreadable",
                _ => null,
            };
            if (Disagreements.TryGetValue(fixture.Name, out var listed))
            {
                if (outcome != listed.Ours) differences.Add($"{fixture}: listed as a disagreement ({listed.Why}) with our outcome {listed.Ours}, but it is {outcome}");
                else if (expected is null) differences.Add($"{fixture}: listed as a disagreement, but we now agree with the peer ({Expectation(fixture)}): remove it from the list");
                continue;
            }
            if (expected is not null)
                differences.Add($"{fixture}: the peer expects {fixture.Expects} ({fixture.Basis}), we say {outcome}: {Describe(report)}");
        }

        Assert.That(differences, Is.Empty);
    }

    /// <summary>The appendix examples (付録1) as the notebook specification Ver.2.6 prints them, and the same examples of an earlier version.</summary>
    [Test]
    public void Should_accept_every_example_of_the_notebook_specification_appendix()
    {
        PeerFixtures.RequireFolder();
        var examples = PeerFixtures.All.Where(f => AppendixExample().IsMatch(f.Name)).ToList();

        var invalid = examples.Select(f => (f, Check(f.Bytes()))).Where(x => x.Item2.Outcome != Outcome.Valid)
            .Select(x => $"{x.f}: {x.Item2.Outcome}: {Describe(x.Item2.Report)}").ToList();

        Assert.Multiple(() =>
        {
            Assert.That(examples, Has.Count.EqualTo(11 + 22), "付録1 例1 … 例11, in Ver.2.6 and in the earlier version's CSV and Shift_JIS copies");
            Assert.That(invalid, Is.Empty);
        });
    }

    /// <summary>
    /// jahis-rx-parser's spec-samples: each takes one sample line of the JAHIS specification and wraps it in a fragment of a
    /// document. The fragment may lack required records, but the specification's sample line itself has no field in error.
    /// </summary>
    [Test]
    public void Should_find_no_field_in_error_on_the_sample_lines_of_the_JAHIS_specification()
    {
        PeerFixtures.RequireFolder();
        var samples = PeerFixtures.All.Where(f => f.Name.Contains("/spec-samples-", StringComparison.Ordinal)).ToList();
        var wrong = new List<string>();

        foreach (var fixture in samples)
        {
            var line = SampleLine().Match(fixture.Basis).Groups["line"].Value;
            var (outcome, report) = Check(fixture.Bytes());
            if (report is null)
            {
                wrong.Add($"{fixture}: {outcome}");
                continue;
            }
            var at = report.Document.Records.FirstOrDefault(r => r.ToString() == line)?.Line;
            var errors = report.Errors.Where(p => p.Line == at && p.Field is not null).ToList();
            if (at is null) wrong.Add($"{fixture}: the sample line '{line}' is not in the file");
            else if (SampleLineDisagreements.TryGetValue(line, out var why))
            {
                if (errors.Count == 0) wrong.Add($"{fixture}: listed as a disagreement ({why}), but the line has no error now: remove it from the list");
            }
            else if (errors.Count > 0) wrong.Add($"{fixture}: {string.Join("; ", errors)}");
        }

        Assert.Multiple(() =>
        {
            Assert.That(samples, Has.Count.GreaterThan(300));
            Assert.That(wrong, Is.Empty);
        });
    }

    /// <summary>Reads and validates; a valid document is also read into its typed model, which must not fail.</summary>
    public static (Outcome Outcome, ValidationReport? Report) Check(byte[] bytes)
    {
        JahisDocument document;
        try
        {
            document = JahisReader.Read(bytes);
        }
        catch (JahisFormatException)
        {
            return (Outcome.Unreadable, null);
        }
        var report = JahisValidator.Validate(document);
        if (!report.IsValid) return (Outcome.Invalid, report);
        if (document.Format == JahisFormat.Prescription) PrescriptionReader.Read(document);
        else NotebookReader.Read(document);
        return (Outcome.Valid, report);
    }

    private static string Describe(ValidationReport? report) =>
        report is null ? "not a JAHIS document" : string.Join("; ", report.Errors.Take(4)) + (report.Errors.Count() > 4 ? "; …" : "");

    [GeneratedRegex(@"^(medication-record-qr-format/example-\d\d\.txt|jahis_parser/(spec|sample_data)/\d+\.csv)$")]
    private static partial Regex AppendixExample();

    [GeneratedRegex(@"JAHIS spec sample line '(?<line>.*)' in a")]
    private static partial Regex SampleLine();
}
