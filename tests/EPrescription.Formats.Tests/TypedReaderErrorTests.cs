using System.Text;
using EPrescription.Formats.Layout;
using EPrescription.Formats.Notebook;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Values;

namespace EPrescription.Formats.Tests;

/// <summary>
/// A typed reader given a document the validator would refuse (a caller that skipped validation) fails with the format's
/// own error, naming line, record and field, and no error message of the formats project quotes a value of the document:
/// messages may be logged, and a document holds names, birth dates and insurance numbers.
/// </summary>
public class TypedReaderErrorTests
{
    private static JahisDocument Read(IEnumerable<string> lines) =>
        JahisReader.Read(Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n"), Text.TextEncodingKind.Utf8);

    private static string[] Rx(string recordStart, int position, string value)
    {
        var lines = Fixture.Lines(Fixture.EveryRxRecord);
        return Fixture.WithField(Fixture.EveryRxRecord, Array.FindIndex(lines, l => l.StartsWith(recordStart, StringComparison.Ordinal)), position, value);
    }

    [Test]
    public void Should_name_line_record_and_field_of_an_unreadable_birth_date_without_quoting_it()
    {
        var document = Read(Rx("13,", 1, "19470924\r"));

        var error = Assert.Throws<JahisFormatException>(() => PrescriptionReader.Read(document))!;

        Assert.Multiple(() =>
        {
            Assert.That((error.Line, error.Record, error.Field), Is.EqualTo((9, "13", 1)));
            Assert.That(error.Message, Does.Contain("line 9").And.Contain("record 13 field 1").And.Not.Contain("19470924"));
        });
    }

    [TestCase("101,", 4, "-14")]
    [TestCase("63,", 1, "X")]
    [TestCase("281,", 3, "A1")]
    [TestCase("101,", 4, "99999999999")]
    public void Should_refuse_an_unreadable_number_with_the_format_error(string record, int position, string value)
    {
        var document = Read(Rx(record, position, value));

        var error = Assert.Throws<JahisFormatException>(() => PrescriptionReader.Read(document))!;

        Assert.Multiple(() =>
        {
            Assert.That((error.Record, error.Field), Is.EqualTo((record.TrimEnd(','), position)));
            Assert.That(error.Message, Does.Not.Contain(value));
        });
    }

    [Test]
    public void Should_refuse_a_prescription_without_a_required_record_with_the_format_error()
    {
        var document = Read(Fixture.Lines(Fixture.EveryRxRecord).Where(l => !l.StartsWith("51,", StringComparison.Ordinal)));

        var error = Assert.Throws<JahisFormatException>(() => PrescriptionReader.Read(document))!;

        Assert.That(error.Message, Does.Contain("record 51"));
    }

    [Test]
    public void Should_refuse_an_OTC_ingredient_without_its_OTC_record_with_the_format_error()
    {
        var document = Read(Fixture.WithField(Fixture.EveryTcRecord, 4, 1, "987"));

        var error = Assert.Throws<JahisFormatException>(() => NotebookReader.Read(document))!;

        Assert.Multiple(() =>
        {
            Assert.That((error.Line, error.Record, error.Field), Is.EqualTo((5, "31", 1)));
            Assert.That(error.Message, Does.Not.Contain("987"));
        });
    }

    [Test]
    public void Should_refuse_an_unreadable_notebook_number_with_the_format_error()
    {
        var document = Read(Fixture.WithField(Fixture.EveryTcRecord, 14, 3, "１４日"));

        var error = Assert.Throws<JahisFormatException>(() => NotebookReader.Read(document))!;

        Assert.Multiple(() =>
        {
            Assert.That((error.Line, error.Record, error.Field), Is.EqualTo((15, "301", 3)));
            Assert.That(error.Message, Does.Not.Contain("１４日"));
        });
    }

    [Test]
    public void Should_not_quote_the_first_line_of_a_file_that_is_not_JAHIS()
    {
        var error = Assert.Throws<JahisFormatException>(() => JahisReader.Read(Encoding.UTF8.GetBytes("山田 太郎,19470924\r\n")))!;

        Assert.That(error.Message, Does.Contain("version record").And.Not.Contain("山田").And.Not.Contain("19470924"));
    }

    [Test]
    public void Should_not_quote_a_date_it_cannot_parse_or_convert()
    {
        var parse = Assert.Throws<FormatException>(() => JahisDate.Parse("19470931", EraStyle.Digit))!;
        var partial = Assert.Throws<InvalidOperationException>(() => JahisDate.Parse("194709", EraStyle.Digit, allowPartial: true).ToDateOnly())!;

        Assert.Multiple(() =>
        {
            Assert.That(parse.Message, Does.Not.Contain("1947"));
            Assert.That(partial.Message, Does.Not.Contain("1947"));
        });
    }

    [Test]
    public void Should_not_quote_values_when_splitting_joining_or_writing_notebook_documents()
    {
        var part = JahisReader.Read(Samples.Bytes("tc_jahistc08_03_split_part1of2.csv"));
        var brokenControl = part.WithField("911", 2, "x9x");
        var notebook = new NotebookDocument
        {
            Version = 8,
            OutputKind = "1",
            Patient = new NotebookPatient { Name = "試験 花子", Sex = "2", BirthDate = new JahisDateText("19470924") },
            OtcDrugs = [new OtcDrug { Name = "見本かぜ薬Ａ", Creator = "2", Ingredients = [new OtcIngredient("アセトアミノフェン", "1", null, "2")] }],
        };

        var join = Assert.Throws<JahisFormatException>(() => SplitDocuments.Join([brokenControl, part]))!;
        var split = Assert.Throws<ArgumentException>(() => SplitDocuments.Split(part, 100, "ID-19470924"))!;
        var write = Assert.Throws<ArgumentException>(() => NotebookWriter.ToDocument(notebook))!;

        Assert.Multiple(() =>
        {
            Assert.That(join.Message, Does.Contain("record 911").And.Not.Contain("x9x"));
            Assert.That(split.Message, Does.Not.Contain("19470924"));
            Assert.That(write.Message, Does.Contain("OTC").And.Not.Contain("見本かぜ薬"));
        });
    }
}
