using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Validation;
using EPrescription.Formats.Values;
using EPrescription.Formats.Writing;

namespace EPrescription.Formats.Tests;

public class PrescriptionModelTests
{
    public static IEnumerable<string> PrescriptionSamples => Samples.Prescriptions;

    private static Prescription ReadSample(string name) => PrescriptionReader.Read(JahisReader.Read(Samples.Bytes(name)));

    [TestCaseSource(nameof(PrescriptionSamples))]
    public void Should_give_the_same_prescription_after_writing_and_reading_it_again(string name)
    {
        var prescription = ReadSample(name);

        var again = PrescriptionReader.Read(JahisReader.Read(JahisWriter.Write(PrescriptionWriter.ToDocument(prescription))));

        Assert.That(ModelComparison.Json(again), Is.EqualTo(ModelComparison.Json(prescription)));
    }

    [TestCaseSource(nameof(PrescriptionSamples))]
    public void Should_write_the_records_the_sample_has(string name)
    {
        var sample = JahisReader.Read(Samples.Bytes(name));

        var written = PrescriptionWriter.ToDocument(PrescriptionReader.Read(sample));

        Assert.Multiple(() =>
        {
            Assert.That(ModelComparison.TrimmedLines(written), Is.EqualTo(ModelComparison.TrimmedLines(sample)));
            Assert.That(JahisWriter.Write(written), Is.EqualTo(Samples.Bytes(name)), "the samples carry exactly the layout's fields");
            Assert.That(JahisValidator.Validate(written).Errors.Select(p => p.ToString()), Is.Empty);
        });
    }

    [Test]
    public void Should_write_every_layout_field_including_trailing_empty_ones()
    {
        var written = JahisWriter.WriteText(PrescriptionWriter.ToDocument(ReadSample("rx_jahis10_03_split_instruction.txt")).Records);

        Assert.Multiple(() =>
        {
            Assert.That(written, Does.Contain("\r\n221,1,1,0.8,0.4,,,,,,,,\r\n"), "221 has 12 fields in the layout");
            Assert.That(written, Does.Contain("\r\n23,,１２３４５６,2,\r\n"), "23 keeps its empty 枝番 (branch number) field");
            Assert.That(written, Does.Contain("\r\n3,011-000-0000,,\r\n"));
        });
    }

    [Test]
    public void Should_read_what_a_pharmacist_checks_on_the_basic_sample()
    {
        var prescription = ReadSample("rx_jahis10_01_basic.txt");

        Assert.Multiple(() =>
        {
            Assert.That(prescription.Version, Is.EqualTo(10));
            Assert.That(prescription.Institution.InstitutionNumber, Is.EqualTo("1311234567"));
            Assert.That(prescription.Institution.Name, Is.EqualTo("医療法人見本会　みほんクリニック"));
            Assert.That(prescription.Institution.PostalCode, Is.EqualTo("100-0001"));
            Assert.That(prescription.Institution.Phone, Is.EqualTo("03-0000-0000"));
            Assert.That(prescription.Institution.Fax, Is.Null);
            Assert.That(prescription.Department, Is.EqualTo(new Department("2", "01", "内科")));
            Assert.That(prescription.Doctor, Is.EqualTo(new Prescriber(null, "ﾐﾎﾝ ｲﾁﾛｳ", "見本 一郎")));
            Assert.That(prescription.Patient.Name, Is.EqualTo("試験 花子"));
            Assert.That(prescription.Patient.KanaName, Is.EqualTo("ｼｹﾝ ﾊﾅｺ"));
            Assert.That(prescription.Patient.Sex, Is.EqualTo("2"));
            Assert.That(prescription.Patient.BirthDate, Is.EqualTo(new JahisDate(1985, 4, 15)));
            Assert.That(prescription.Insurance.InsurerNumber, Is.EqualTo("06139992"));
            Assert.That((prescription.Insurance.CardSymbol, prescription.Insurance.CardNumber, prescription.Insurance.BranchNumber),
                Is.EqualTo(("１２３４", "５６７８", "01")));
            Assert.That((prescription.Insurance.CopayRate, prescription.Insurance.BenefitRate), Is.EqualTo((30, 70)));
            Assert.That(prescription.IssueDate, Is.EqualTo(new DateOnly(2025, 6, 10)));
            Assert.That(prescription.ExpiryDate, Is.Null);
            Assert.That(prescription.Rps, Has.Count.EqualTo(2));
            Assert.That(prescription.Rps[0].Drugs.Select(d => d.Name),
                Is.EqualTo(new[] { "【般】ロキソプロフェンＮａ錠６０ｍｇ", "ムコスタ錠１００ｍｇ" }));
            Assert.That(prescription.Rps[0].Drugs[0].CodeKind, Is.EqualTo("7"));
            Assert.That(prescription.Rps[0].Directions, Is.EqualTo(new Directions("2", "1013044400000000", "１日３回朝昼夕食後", 3)));
            Assert.That((prescription.Rps[1].DosageFormClass, prescription.Rps[1].Quantity), Is.EqualTo(("2", 5)));
            Assert.That(prescription.Rps[1].Drugs.Single().Name, Is.EqualTo("カロナール錠２００"));
            Assert.That(prescription.Rps[1].Drugs.Single().Supplements.Single().Text, Is.EqualTo("１回１錠　１日２回まで"));
        });
    }

    [Test]
    public void Should_read_expiry_split_and_uneven_doses_on_the_split_instruction_sample()
    {
        var prescription = ReadSample("rx_jahis10_03_split_instruction.txt");

        Assert.Multiple(() =>
        {
            Assert.That(prescription.Institution.InstitutionNumber, Is.EqualTo("0111234567"));
            Assert.That(prescription.Patient.CopayClass, Is.EqualTo("3"));
            Assert.That(prescription.Insurance.InsurerNumber, Is.EqualTo("019992"));
            Assert.That(prescription.ExpiryDate, Is.EqualTo(new DateOnly(2025, 6, 13)));
            Assert.That(prescription.LeftoverCheck, Is.EqualTo("2"));
            Assert.That(prescription.SplitInstruction, Is.EqualTo(new SplitInstruction(3, 1)));
            Assert.That(prescription.Remarks.Single(), Is.EqualTo(new Remark(1, "3", "分割日数14日、分割回数3回")));
            Assert.That(prescription.Rps.Select(r => r.SplitQuantity), Is.EqualTo(new[] { new SplitQuantity(14, 42), new SplitQuantity(14, 42) }));
            Assert.That(prescription.Rps[0].Drugs.Single().UnevenDoses,
                Is.EqualTo(new[] { new UnevenDose("0.8", null), new UnevenDose("0.4", null) }));
            Assert.That(prescription.Rps[1].Drugs.Single().UnitConversionFactor, Is.EqualTo("250"));
        });
    }

    [Test]
    public void Should_write_the_branch_number_only_from_JAHIS7_on()
    {
        var prescription = ReadSample("rx_jahis10_01_basic.txt") with { Version = 5 };

        var written = PrescriptionWriter.ToDocument(prescription);

        Assert.Multiple(() =>
        {
            Assert.That(written.VersionRecord.Number, Is.EqualTo("JAHIS5"));
            Assert.That(written.First("23")!.ToString(), Is.EqualTo("23,１２３４,５６７８,1"));
        });
    }

    [Test]
    public void Should_write_an_era_birth_date_as_the_same_date_in_the_gregorian_form()
    {
        var text = JahisWriter.WriteText(JahisReader.Read(Samples.Bytes("rx_jahis10_01_basic.txt")).Records).Replace("\r\n13,19850415\r\n", "\r\n13,36004\r\n", StringComparison.Ordinal);
        var prescription = PrescriptionReader.Read(JahisReader.Read(System.Text.Encoding.UTF8.GetBytes(text)));

        var written = PrescriptionWriter.ToDocument(prescription);

        Assert.Multiple(() =>
        {
            Assert.That(prescription.Patient.BirthDate, Is.EqualTo(new JahisDate(1985, 4, null)), "昭和60年4月, a partial birth date");
            Assert.That(written.First("13")!.ToString(), Is.EqualTo("13,198504"));
        });
    }

    [Test]
    public void Should_refuse_a_notebook_document()
    {
        var notebook = JahisReader.Read(Samples.Bytes("tc_jahistc08_01_pharmacy_to_patient.csv"));

        Assert.That(() => PrescriptionReader.Read(notebook), Throws.ArgumentException);
    }
}
