using System.Text;
using System.Text.Json;
using EPrescription.Formats.Layout;
using EPrescription.Formats.Notebook;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Formats.Validation;

namespace EPrescription.Formats.Tests;

/// <summary>
/// Documents that testing from outside found accepted although a typed reader could not read them, or although JAHIS
/// forbids them (issue 10): each is now refused with its line, record and field, or accepted and read.
/// </summary>
public class RefusalTests
{
    private static string Sample(string name) => Encoding.UTF8.GetString(Samples.Bytes(name));

    private static int LineOf(string[] lines, string start) => Array.FindIndex(lines, l => l.StartsWith(start, StringComparison.Ordinal));

    private static ValidationReport WithField(string fixture, string recordStart, int position, string value)
    {
        var lines = Fixture.Lines(fixture);
        return Fixture.Validate(Fixture.WithField(fixture, LineOf(lines, recordStart), position, value));
    }

    private static void AssertRefused(ValidationReport report, int line, string record, int field, string code) =>
        Assert.That(report.Errors, Has.Some.Matches<FormatProblem>(p => p.Line == line && p.Record == record && p.Field == field && p.Code == code),
            string.Join("\n", Fixture.Describe(report)));

    [Test]
    public void Should_load_every_type_9_field_of_both_layouts_as_digits()
    {
        foreach (var (file, layout) in new[] { ("jahis-rx.layout.json", Layouts.Prescription), ("jahis-tc.layout.json", Layouts.Notebook) })
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Samples.RepositoryRoot, "schemas", file)));
            var written = json.RootElement.GetProperty("records").EnumerateArray()
                .SelectMany(r => r.GetProperty("fields").EnumerateArray().Select((f, i) => (Record: r.GetProperty("number").GetString()!, Position: i + 1, Type: f.GetProperty("type").GetString())))
                .ToList();

            var loaded = written.Select(w => (w.Record, w.Position, Type: layout.Find(w.Record)!.Fields[w.Position - 1].Type switch
            {
                FieldType.Digits => "9",
                FieldType.X => "X",
                FieldType.N => "N",
                var other => $"({(int)other})",
            }));

            Assert.That(loaded, Is.EqualTo(written), file);
        }
    }

    [TestCase("101,", 4, "-14")]   // 調剤数量
    [TestCase("281,", 3, "A1")]    // 薬品補足連番
    [TestCase("63,", 1, "X")]      // 分割回数
    public void Should_refuse_a_prescription_field_of_digits_that_holds_anything_else(string record, int field, string value)
    {
        var lines = Fixture.Lines(Fixture.EveryRxRecord);

        var report = WithField(Fixture.EveryRxRecord, record, field, value);

        AssertRefused(report, LineOf(lines, record) + 1, record.TrimEnd(','), field, "NOT_DIGITS");
    }

    [Test]
    public void Should_refuse_a_notebook_field_of_digits_that_holds_anything_else()
    {
        var report = WithField(Fixture.EveryTcRecord, "301,", 3, "A"); // 調剤数量

        AssertRefused(report, 15, "301", 3, "NOT_DIGITS");
    }

    [Test]
    public void Should_refuse_CR_CR_LF_line_ends_instead_of_reading_a_CR_into_the_birth_date()
    {
        var bytes = Encoding.UTF8.GetBytes(Sample("rx_jahis10_01_basic.utf8.txt").Replace("\n", "\r\r\n", StringComparison.Ordinal));

        var report = JahisValidator.Validate(JahisReader.Read(bytes));

        Assert.Multiple(() =>
        {
            Assert.That(report.IsValid, Is.False);
            AssertRefused(report, 9, "13", 1, "INVALID_CHARACTER");
            Assert.That(report.Errors.First(p => p.Record == "13").Message, Does.Contain("CR"));
        });
    }

    [Test]
    public void Should_read_a_value_with_blanks_around_it_as_the_value_and_refuse_a_required_field_of_blanks_only()
    {
        var padded = Fixture.Validate(Fixture.WithField(Fixture.EveryRxRecord, LineOf(Fixture.Lines(Fixture.EveryRxRecord), "101,"), 4, " 14"));
        var blank = WithField(Fixture.EveryRxRecord, "13,", 1, " ");

        Assert.Multiple(() =>
        {
            Assert.That(Fixture.Describe(padded), Is.Empty, "blanks around a value are a warning, as JAHIS asks readers to tolerate them");
            Assert.That(padded.Warnings, Has.Some.Matches<FormatProblem>(p => p.Code == "SURROUNDING_BLANKS" && p.Record == "101"));
            Assert.That(PrescriptionReader.Read(padded.Document).Rps[0].Quantity, Is.EqualTo(14));
            AssertRefused(blank, LineOf(Fixture.Lines(Fixture.EveryRxRecord), "13,") + 1, "13", 1, "REQUIRED");
        });
    }

    [Test]
    public void Should_refuse_an_OTC_ingredient_whose_OTC_record_number_no_record_3_carries()
    {
        var report = WithField(Fixture.EveryTcRecord, "31,", 1, "7");

        AssertRefused(report, 5, "31", 1, "MISSING_REFERENCE");
    }

    [Test]
    public void Should_require_the_drug_code_when_the_notebook_drug_names_a_code_kind()
    {
        var missing = WithField(Fixture.EveryTcRecord, "201,", 6, "");
        var noKind = Fixture.Validate(Fixture.WithField(Fixture.EveryTcRecord, 11, 5, "1"));

        Assert.Multiple(() =>
        {
            AssertRefused(missing, 12, "201", 6, "REQUIRED");
            Assert.That(missing.Errors.First(p => p.Record == "201").Message, Does.Contain("field 5").And.Contain("2, 3, 4, 6"));
            // Kind 1 (no code) with a code given: the table says empty, but JAHIS's own 付録1 例3 does this, so only a warning.
            Assert.That(Fixture.Describe(noKind), Is.Empty);
            Assert.That(noKind.Warnings, Has.Some.Matches<FormatProblem>(p => p.Code == "MUST_BE_EMPTY" && p.Record == "201" && p.Field == 6));
        });
    }

    [TestCase("1", "2", "OUT_OF_RANGE")] // part 2 of 1
    [TestCase("0", "0", "OUT_OF_RANGE")]
    [TestCase("2", "2", null)]
    public void Should_refuse_a_split_part_number_beyond_the_number_of_parts(string count, string number, string? code)
    {
        var lines = Fixture.WithField(Fixture.EveryTcRecord, 23, 2, count);
        lines[23] = string.Join(',', lines[23].Split(',')[..3]) + "," + number;

        var report = Fixture.Validate(lines);

        if (code is null) Assert.That(Fixture.Describe(report), Is.Empty);
        else AssertRefused(report, 24, "911", 3, code);
    }

    [Test]
    public void Should_require_the_directions_name_when_a_pharmacy_writes_to_the_patient()
    {
        var lines = Fixture.WithField(Fixture.EveryTcRecord, 14, 2, "");
        var material = lines.ToArray();
        material[14] = material[14].Replace(",日分,1,", ",日分,9,", StringComparison.Ordinal); // 剤形 9 材料
        var clinic = lines.ToArray();
        clinic[7] = clinic[7].Replace(",13,4,", ",13,1,", StringComparison.Ordinal);       // the block's institution is a clinic (医科)
        var toInstitution = lines.ToArray();
        toInstitution[0] = "JAHISTC08,2";

        Assert.Multiple(() =>
        {
            AssertRefused(Fixture.Validate(lines), 15, "301", 2, "REQUIRED");
            Assert.That(Fixture.Validate(lines).Errors.First(p => p.Record == "301").Message, Does.Contain("output kind 1").And.Contain("record 11 field 3"));
            Assert.That(Fixture.Describe(Fixture.Validate(material)), Is.Empty, "not for 材料 and その他");
            Assert.That(Fixture.Describe(Fixture.Validate(clinic)), Is.Empty, "not for a clinic dispensing itself (付録1 例6)");
            Assert.That(Fixture.Validate(toInstitution).Errors.Where(p => p.Record == "301"), Is.Empty, "not from the patient (output kind 2)");
        });
    }

    [Test]
    public void Should_refuse_a_UTF_8_byte_order_mark_before_a_Shift_JIS_document()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Samples.Bytes("rx_jahis10_01_basic.txt")];

        var declared = JahisValidator.Validate(JahisReader.Read(bytes, TextEncodingKind.ShiftJis));
        var detected = JahisValidator.Validate(JahisReader.Read(bytes));

        Assert.Multiple(() =>
        {
            Assert.That(declared.Errors, Has.Some.Matches<FormatProblem>(p => p.Line == 1 && p.Code == "ENCODING"), string.Join("\n", Fixture.Describe(declared)));
            Assert.That(detected.IsValid, Is.False, "the mark announces UTF-8, which the Shift_JIS bytes are not");
        });
    }

    [TestCase(new byte[] { 0xF0, 0x40 }, "外字 F040, the first user-defined character")]
    [TestCase(new byte[] { 0xF9, 0xFC }, "外字 F9FC, the last")]
    [TestCase(new byte[] { 0xF0, 0x9F, 0x98, 0x80 }, "an emoji's UTF-8 bytes in a Shift_JIS document")]
    [TestCase(new byte[] { 0xA0 }, "undefined single byte A0")]
    [TestCase(new byte[] { 0xFD }, "undefined single byte FD")]
    [TestCase(new byte[] { 0xFE }, "undefined single byte FE")]
    [TestCase(new byte[] { 0xFF }, "undefined single byte FF")]
    public void Should_refuse_user_defined_characters_and_undefined_bytes_in_a_Shift_JIS_document_with_line_record_and_field(byte[] inserted, string what)
    {
        var sample = Samples.Bytes("rx_jahis10_01_basic.txt");
        var patientName = Encoding.ASCII.GetBytes("\r\n11,");
        var at = sample.AsSpan().IndexOf(patientName) + patientName.Length;
        at = sample.AsSpan(at).IndexOf((byte)',') + at + 1; // the start of field 2, 患者漢字氏名
        byte[] bytes = [.. sample[..at], .. inserted, .. sample[at..]];

        var report = JahisValidator.Validate(JahisReader.Read(bytes, TextEncodingKind.ShiftJis));

        Assert.Multiple(() =>
        {
            AssertRefused(report, 7, "11", 2, "INVALID_CHARACTER");
            // An emoji's bytes are partly not Shift_JIS at all: that is the undecodable byte, the rest 外字.
            Assert.That(report.Errors.First(p => p.Record == "11").Message, Does.Contain("外字").Or.Contain("undecodable byte"), what);
        });
    }

    [Test]
    public void Should_accept_the_notebook_appendix_example_8_form_of_record_411_and_read_its_creator()
    {
        var lines = Fixture.Lines(Fixture.EveryTcRecord);
        lines[18] = "411,特になし,99,,,,,,1"; // as 付録1 例8 writes it: eight fields, レコード作成者 last

        var report = Fixture.Validate(lines);
        var info = NotebookReader.Read(report.Document).DispensingBlocks[0].ProvidedInfo[0];

        Assert.Multiple(() =>
        {
            Assert.That(Fixture.Describe(report), Is.Empty);
            Assert.That(report.Warnings, Has.Some.Matches<FormatProblem>(p => p.Code == "PADDED_RECORD" && p.Line == 19));
            Assert.That(info, Is.EqualTo(new ProvidedInfo("特になし", "99", "1")));
        });
    }
}
