using EPrescription.Formats.Layout;
using EPrescription.Formats.Reading;

namespace EPrescription.Formats.Tests;

/// <summary>
/// Driven by the layout data itself: every record type of both formats, every required field, every typed or length-limited
/// field and every code list is exercised against a document that holds every record type.
/// </summary>
public class LayoutCoverageTests
{
    public sealed record FieldCase(string Fixture, int LineIndex, string Record, FieldLayout Field)
    {
        public override string ToString() => $"{(Fixture == Tests.Fixture.EveryRxRecord ? "rx" : "tc")} record {Record} field {Field.Position} {Field.EnglishName}";
    }

    private static IEnumerable<FieldCase> Fields()
    {
        foreach (var (fixture, layout) in new[] { (Fixture.EveryRxRecord, Layouts.Prescription), (Fixture.EveryTcRecord, Layouts.Notebook) })
        {
            var lines = Fixture.Lines(fixture);
            for (var i = 1; i < lines.Length; i++)
            {
                var number = lines[i].Split(',')[0];
                var record = layout.Find(number)!;
                // One case per field of the first occurrence of each record type.
                if (Array.FindIndex(lines, 1, l => l.Split(',')[0] == number) != i) continue;
                foreach (var field in record.Fields) yield return new FieldCase(fixture, i, number, field);
            }
        }
    }

    public static IEnumerable<TestCaseData> RequiredFields() => Fields()
        .Where(c => c.Field.Required is FieldRequirement.Yes or FieldRequirement.ToPatient)
        .Select(c => new TestCaseData(c).SetArgDisplayNames(c.ToString()));

    public static IEnumerable<TestCaseData> DigitFields() => Fields()
        .Where(c => c.Field.Type == FieldType.Digits)
        .Select(c => new TestCaseData(c).SetArgDisplayNames(c.ToString()));

    public static IEnumerable<TestCaseData> LimitedFields() => Fields()
        .Where(c => c.Field.MaxBytes is not null || c.Field.MaxChars is not null || c.Field.ExactLength is not null)
        .Select(c => new TestCaseData(c).SetArgDisplayNames(c.ToString()));

    public static IEnumerable<TestCaseData> CodedFields() => Fields()
        .Where(c => c.Field.Codes is not null)
        .Select(c => new TestCaseData(c).SetArgDisplayNames(c.ToString()));

    [TestCase(Fixture.EveryRxRecord, JahisFormat.Prescription)]
    [TestCase(Fixture.EveryTcRecord, JahisFormat.Notebook)]
    public void Should_accept_a_document_holding_every_record_type_of_the_layout(string fixture, JahisFormat format)
    {
        var report = Fixture.Validate(Fixture.Lines(fixture));
        var layout = format == JahisFormat.Prescription ? Layouts.Prescription : Layouts.Notebook;

        Assert.Multiple(() =>
        {
            Assert.That(Fixture.Describe(report), Is.Empty);
            Assert.That(report.Document.Body.Select(r => r.Number).Distinct(), Is.EquivalentTo(layout.Records.Select(r => r.Number)),
                "the fixture holds every record type the layout defines");
        });
    }

    [TestCaseSource(nameof(RequiredFields))]
    public void Should_report_a_required_field_left_empty(FieldCase c)
    {
        var report = Fixture.Validate(Fixture.WithField(c.Fixture, c.LineIndex, c.Field.Position, ""));

        Assert.That(report.Errors, Has.Some.Matches<FormatProblem>(p =>
            p.Code == "REQUIRED" && p.Line == c.LineIndex + 1 && p.Record == c.Record && p.Field == c.Field.Position && p.FieldName!.Contains(c.Field.Name)),
            string.Join("\n", Fixture.Describe(report)));
    }

    [TestCaseSource(nameof(DigitFields))]
    public void Should_report_letters_in_a_digits_only_field(FieldCase c)
    {
        var report = Fixture.Validate(Fixture.WithField(c.Fixture, c.LineIndex, c.Field.Position, "1A"));
        var expected = c.Field.Format is FieldFormat.Date or FieldFormat.PartialDate ? "INVALID_DATE" : "NOT_DIGITS";

        Assert.That(report.Errors, Has.Some.Matches<FormatProblem>(p => p.Code == expected && p.Line == c.LineIndex + 1 && p.Field == c.Field.Position),
            string.Join("\n", Fixture.Describe(report)));
    }

    [TestCaseSource(nameof(LimitedFields))]
    public void Should_report_a_value_longer_than_the_layout_allows(FieldCase c)
    {
        var f = c.Field;
        var limit = f.ExactLength ?? f.MaxChars ?? (f.Type == FieldType.N ? f.MaxBytes!.Value / 2 : f.MaxBytes!.Value);
        var unit = f.Type switch { FieldType.Digits => "1", FieldType.X => "A", _ => "あ" };
        var report = Fixture.Validate(Fixture.WithField(c.Fixture, c.LineIndex, f.Position, string.Concat(Enumerable.Repeat(unit, limit + 1))));

        Assert.That(report.Errors, Has.Some.Matches<FormatProblem>(p =>
            (p.Code == "TOO_LONG" || p.Code == "WRONG_LENGTH") && p.Line == c.LineIndex + 1 && p.Field == f.Position),
            string.Join("\n", Fixture.Describe(report)));
    }

    [TestCaseSource(nameof(CodedFields))]
    public void Should_accept_every_code_of_the_list_and_nothing_else(FieldCase c)
    {
        var layout = c.Fixture == Fixture.EveryRxRecord ? Layouts.Prescription : Layouts.Notebook;
        var list = layout.CodeLists[c.Field.Codes!];
        bool UnknownCodeReported(string value) => Fixture.Validate(Fixture.WithField(c.Fixture, c.LineIndex, c.Field.Position, value))
            .Errors.Any(p => p.Code == "UNKNOWN_CODE" && p.Line == c.LineIndex + 1 && p.Field == c.Field.Position);

        var length = list.Values.Keys.First().Length;
        var outsider = Enumerable.Range(0, (int)Math.Pow(10, length)).Select(n => n.ToString($"D{length}", System.Globalization.CultureInfo.InvariantCulture))
            .First(v => !list.Values.ContainsKey(v));

        Assert.Multiple(() =>
        {
            foreach (var code in list.Values.Keys) Assert.That(UnknownCodeReported(code), Is.False, $"code {code} ({list.Values[code]})");
            Assert.That(UnknownCodeReported(outsider), Is.True, $"'{outsider}' is not in {c.Field.Codes}");
        });
    }
}
