using System.Text;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Formats.Validation;
using EPrescription.Formats.Writing;

namespace EPrescription.Formats.Tests;

public class EdgeCaseTests
{
    private static string Sample(string name) => Encoding.UTF8.GetString(Samples.Bytes(name));

    [Test]
    public void Should_read_lf_line_ends_and_missing_trailing_fields_like_crlf_with_them()
    {
        var crlf = JahisReader.Read(Samples.Bytes("rx_jahis10_01_basic.txt"));
        // LF only, and the trailing empty fields of records 3 and 281 dropped, as some producers do.
        var lf = Sample("rx_jahis10_01_basic.utf8.txt").Replace("\r\n", "\n", StringComparison.Ordinal)
            .Replace("3,03-0000-0000,,", "3,03-0000-0000", StringComparison.Ordinal)
            .Replace("１回１錠　１日２回まで,", "１回１錠　１日２回まで", StringComparison.Ordinal);

        var report = Fixture.Validate(lf);

        Assert.Multiple(() =>
        {
            Assert.That(Fixture.Describe(report), Is.Empty);
            Assert.That(report.Document.Records.Count, Is.EqualTo(crlf.Records.Count));
            Assert.That(report.Document.First("3")!.Field(2), Is.Empty, "a missing trailing field reads as empty");
        });
    }

    [Test]
    public void Should_accept_a_byte_order_mark_and_a_trailing_end_of_file_byte()
    {
        var bytes = Samples.Bytes("tc_jahistc08_01_pharmacy_to_patient.utf8.csv");
        var withBom = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(bytes).Append((byte)0x1A).ToArray();

        var document = JahisReader.Read(withBom);

        Assert.Multiple(() =>
        {
            Assert.That(document.Encoding, Is.EqualTo(TextEncodingKind.Utf8));
            Assert.That(JahisWriter.Write(document), Is.EqualTo(Samples.Bytes("tc_jahistc08_01_pharmacy_to_patient.csv")));
        });
    }

    [Test]
    public void Should_report_every_problem_of_a_document_at_once_with_line_record_and_field()
    {
        var text = Sample("rx_jahis10_01_basic.utf8.txt")
            .Replace("1,1,1234567,13,", "1,1,123456,99,", StringComparison.Ordinal)
            .Replace("22,06139992", "22,06139993", StringComparison.Ordinal)
            .Replace("13,19850415", "13,19850231", StringComparison.Ordinal)
            .Replace("12,2\n", "", StringComparison.Ordinal);

        var problems = Fixture.Validate(text).Errors.ToList();

        Assert.That(problems.Select(p => (p.Line, p.Record, p.Field, p.Code)), Is.EquivalentTo(new (int, string?, int?, string)[]
        {
            (1, null, null, "MISSING_RECORD"),          // record 12 (sex) is gone
            (2, "1", 2, "WRONG_LENGTH"),                // 6-digit institution code
            (2, "1", 3, "UNKNOWN_CODE"),                // prefecture 99
            (8, "13", 1, "INVALID_DATE"),               // 31 February
            (10, "22", 1, "CHECK_DIGIT"),               // insurer number typo
        }));
    }

    [TestCase("3350606", true)]   // 昭和35-06-06 in the prescription's digit era
    [TestCase("4350606", false)]  // 平成35 never came: the era ended in its 31st year
    [TestCase("5010501", true)]   // 令和1-05-01, the era's first day
    [TestCase("5010430", false)]  // before 令和 began
    [TestCase("6010101", false)]  // no sixth era
    [TestCase("S350606", false)]  // letter eras belong to the notebook format
    [TestCase("198504", true)]    // year and month only: allowed for a birth date
    [TestCase("1985", true)]
    [TestCase("363", true)]       // 昭和63, era year only: still a partial birth date
    [TestCase("19850230", false)]
    [TestCase("20240229", true)]
    [TestCase("20230229", false)]
    public void Should_read_prescription_birth_dates_in_every_form_JAHIS_allows(string value, bool valid)
    {
        var lines = Fixture.WithField(Fixture.EveryRxRecord, Array.FindIndex(Fixture.Lines(Fixture.EveryRxRecord), l => l.StartsWith("13,", StringComparison.Ordinal)), 1, value);

        var report = Fixture.Validate(lines);

        Assert.That(report.Errors.Any(p => p.Record == "13"), Is.EqualTo(!valid), string.Join("\n", Fixture.Describe(report)));
    }

    [TestCase("R070610", true)]
    [TestCase("S220101", true)]
    [TestCase("H310430", true)]
    [TestCase("H310501", false)] // 平成 ended on 30 April 2019 (as 平成31); the day after is 令和
    [TestCase("5070610", false)] // digit eras belong to the prescription format
    [TestCase("202506", false)]  // partial dates are not allowed here
    public void Should_read_notebook_dates_with_letter_eras(string value, bool valid)
    {
        var report = Fixture.Validate(Fixture.WithField(Fixture.EveryTcRecord, 6, 1, value));

        Assert.That(report.Errors.Any(p => p.Record == "5" && p.Code == "INVALID_DATE"), Is.EqualTo(!valid), string.Join("\n", Fixture.Describe(report)));
    }

    [TestCase("3", true)]
    [TestCase("0.25", true)]
    [TestCase("123456.78901", true)]
    [TestCase("1234567", false)]
    [TestCase("03", false)]
    [TestCase("1.50", false)]
    [TestCase("1.", false)]
    [TestCase(".5", false)]
    [TestCase("1.123456", false)]
    public void Should_check_doses_against_the_JAHIS_number_format(string dose, bool valid)
    {
        var lines = Fixture.Lines(Fixture.EveryRxRecord);
        var report = Fixture.Validate(Fixture.WithField(Fixture.EveryRxRecord, Array.FindIndex(lines, l => l.StartsWith("201,", StringComparison.Ordinal)), 7, dose));

        Assert.That(report.Errors.Any(p => p.Record == "201" && p.Field == 7), Is.EqualTo(!valid), string.Join("\n", Fixture.Describe(report)));
    }

    [TestCase("06139992", true)]   // 組合健保 in the samples
    [TestCase("019992", true)]     // 6-digit 国保
    [TestCase("12345674", true)]   // the JAHIS sample's 後期高齢者 number
    [TestCase("06139929", false)]  // adjacent digits swapped
    [TestCase("0613999", false)]   // 7 digits
    public void Should_check_the_insurer_number_check_digit(string number, bool valid)
    {
        var report = Fixture.Validate(Fixture.WithField(Fixture.EveryRxRecord, 11, 1, number));

        Assert.That(report.Errors.Any(p => p.Record == "22"), Is.EqualTo(!valid), string.Join("\n", Fixture.Describe(report)));
    }

    [Test]
    public void Should_report_records_out_of_the_JAHIS_order()
    {
        var lines = Fixture.Lines(Fixture.EveryRxRecord).ToList();
        (lines[11], lines[12]) = (lines[12], lines[11]); // 23 before 22

        var report = Fixture.Validate(lines);

        Assert.That(report.Errors, Has.Some.Matches<FormatProblem>(p => p.Code == "OUT_OF_ORDER" && p.Record == "22" && p.Line == 13));
    }

    [Test]
    public void Should_report_a_record_that_may_appear_once_appearing_twice()
    {
        var lines = Fixture.Lines(Fixture.EveryRxRecord).ToList();
        lines.Insert(2, lines[1]);

        var report = Fixture.Validate(lines);

        Assert.That(report.Errors, Has.Some.Matches<FormatProblem>(p => p.Code == "REPEATED_RECORD" && p.Record == "1" && p.Line == 3));
    }

    [Test]
    public void Should_report_an_RP_without_a_drug_and_a_drug_outside_any_RP()
    {
        var text = Sample("rx_jahis10_01_basic.utf8.txt");
        var withoutDrug = text.Replace("201,2,1,1,1,,カロナール錠２００,1,1,錠\n", "", StringComparison.Ordinal);
        var lines = Fixture.Lines(Fixture.EveryRxRecord).ToList();
        var drug = lines.FindIndex(l => l.StartsWith("201,", StringComparison.Ordinal));
        lines.Insert(3, lines[drug]);

        Assert.Multiple(() =>
        {
            Assert.That(Fixture.Validate(withoutDrug).Errors, Has.Some.Matches<FormatProblem>(p => p.Code == "MISSING_RECORD" && p.Record == "101" && p.Message.Contains("201")));
            Assert.That(Fixture.Validate(lines).Errors, Has.Some.Matches<FormatProblem>(p => p.Code == "OUT_OF_GROUP" && p.Record == "201" && p.Line == 4));
        });
    }

    [Test]
    public void Should_report_a_record_that_names_another_RP_than_the_one_it_stands_in()
    {
        var text = Sample("rx_jahis10_01_basic.utf8.txt").Replace("111,1,2,", "111,2,2,", StringComparison.Ordinal);

        var report = Fixture.Validate(text);

        Assert.That(report.Errors, Has.Some.Matches<FormatProblem>(p => p.Code == "GROUP_MISMATCH" && p.Record == "111" && p.Field == 1));
    }

    [Test]
    public void Should_report_two_RPs_with_the_same_number()
    {
        var text = Sample("rx_jahis10_01_basic.utf8.txt")
            .Replace("101,2,", "101,1,", StringComparison.Ordinal).Replace("111,2,", "111,1,", StringComparison.Ordinal)
            .Replace("201,2,", "201,1,", StringComparison.Ordinal).Replace("281,2,", "281,1,", StringComparison.Ordinal);

        var report = Fixture.Validate(text);

        Assert.That(report.Errors, Has.Some.Matches<FormatProblem>(p => p.Code == "DUPLICATE_KEY" && p.Record == "101"));
    }

    [Test]
    public void Should_report_unknown_records_and_values_beyond_the_last_field()
    {
        var text = Sample("rx_jahis10_01_basic.utf8.txt").Replace("12,2\n", "12,2,extra\n", StringComparison.Ordinal) + "999,x\n";

        var report = Fixture.Validate(text);

        Assert.Multiple(() =>
        {
            Assert.That(report.Errors, Has.Some.Matches<FormatProblem>(p => p.Code == "UNEXPECTED_FIELD" && p.Record == "12" && p.Field == 2));
            Assert.That(report.Errors, Has.Some.Matches<FormatProblem>(p => p.Code == "UNKNOWN_RECORD" && p.Record == "999"));
        });
    }

    [Test]
    public void Should_require_institution_codes_only_in_documents_sent_to_the_patient()
    {
        var toPatient = Sample("tc_jahistc08_04_patient_to_provider.utf8.csv").Replace("JAHISTC08,2", "JAHISTC08,1", StringComparison.Ordinal);

        Assert.Multiple(() =>
        {
            Assert.That(Fixture.Describe(Fixture.Validate(Sample("tc_jahistc08_04_patient_to_provider.utf8.csv"))), Is.Empty);
            Assert.That(Fixture.Validate(toPatient).Errors, Has.Some.Matches<FormatProblem>(p => p.Code == "REQUIRED" && p.Record == "11" && p.Field == 4));
        });
    }

    [Test]
    public void Should_report_bytes_that_are_not_Shift_JIS_instead_of_failing()
    {
        var bytes = Samples.Bytes("rx_jahis10_01_basic.txt").ToArray();
        var at = Array.IndexOf(bytes, (byte)0x88); // inside the institution name on line 2
        bytes[at + 1] = 0x7F;                       // no valid trail byte

        var report = JahisValidator.Validate(JahisReader.Read(bytes, TextEncodingKind.ShiftJis));

        Assert.That(report.Errors, Has.Some.Matches<FormatProblem>(p => p.Code == "ENCODING" && p.Line == 2));
    }

    [TestCase("")]
    [TestCase("\r\n\r\n")]
    [TestCase("hello,world\r\n")]
    [TestCase("1,1,1234567,13,x\r\n")]
    public void Should_refuse_what_is_not_a_JAHIS_document_with_its_own_error(string text)
    {
        var error = Assert.Throws<JahisFormatException>(() => JahisReader.Read(Encoding.UTF8.GetBytes(text)));

        Assert.That(error!.Message, Does.Contain("version record"));
    }

    [Test]
    public void Should_write_commas_in_text_as_full_width_commas_and_missing_characters_as_black_squares()
    {
        var record = new JahisRecord("81", "1", "", "朝, 昼 𠮷 😀 髙");

        var bytes = JahisWriter.Write([new JahisRecord("JAHIS10"), record]);
        var back = JahisReader.Read(bytes, TextEncodingKind.ShiftJis);

        Assert.Multiple(() =>
        {
            Assert.That(back.Records[1].Field(3), Is.EqualTo("朝， 昼 ■ ■ 髙"), "髙 is in CP932 (an NEC/IBM extension); 𠮷 and 😀 are not");
            Assert.That(bytes[^2..], Is.EqualTo(new byte[] { 0x0D, 0x0A }));
        });
    }

    [Test]
    public void Should_set_one_field_of_a_record_and_leave_every_other_byte_alone()
    {
        var original = JahisReader.Read(Samples.Bytes("rx_jahis10_01_basic.txt"));

        var changed = original.WithField("51", 1, "20261124").WithField("81", 3, "朝, 夕");
        var text = JahisWriter.WriteText(changed.Records);

        Assert.Multiple(() =>
        {
            Assert.That(changed.First("51")!.Field(1), Is.EqualTo("20261124"));
            Assert.That(changed.Records.Where(r => r.Number != "51").Select(r => r.ToString()), Is.EqualTo(original.Records.Where(r => r.Number != "51").Select(r => r.ToString())),
                "the sample has no record 81, so only record 51 changes");
            Assert.That(text, Does.Contain("\r\n51,20261124\r\n"));
            Assert.That(original.First("51")!.Field(1), Is.EqualTo("20250610"), "the original document is not changed");
        });
    }
}
