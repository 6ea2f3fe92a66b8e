using EPrescription.Formats.Notebook;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Validation;
using EPrescription.Formats.Values;
using EPrescription.Formats.Writing;

namespace EPrescription.Formats.Tests;

public class NotebookModelTests
{
    public static IEnumerable<string> NotebookSamples => Samples.Notebooks;

    private static NotebookDocument ReadSample(string name) => NotebookReader.Read(JahisReader.Read(Samples.Bytes(name)));

    [TestCaseSource(nameof(NotebookSamples))]
    public void Should_give_the_same_notebook_after_writing_and_reading_it_again(string name)
    {
        var notebook = ReadSample(name);

        var again = NotebookReader.Read(JahisReader.Read(JahisWriter.Write(NotebookWriter.ToDocument(notebook))));

        Assert.That(ModelComparison.Json(again), Is.EqualTo(ModelComparison.Json(notebook)));
    }

    [TestCaseSource(nameof(NotebookSamples))]
    public void Should_write_the_records_the_sample_has(string name)
    {
        var sample = JahisReader.Read(Samples.Bytes(name));

        var written = NotebookWriter.ToDocument(NotebookReader.Read(sample));

        Assert.Multiple(() =>
        {
            Assert.That(ModelComparison.TrimmedLines(written), Is.EqualTo(ModelComparison.TrimmedLines(sample)));
            Assert.That(JahisValidator.Validate(written).Errors.Select(p => p.ToString()), Is.Empty);
        });
    }

    [Test]
    public void Should_keep_trailing_empty_fields_of_the_layout()
    {
        var written = JahisWriter.WriteText(NotebookWriter.ToDocument(ReadSample("tc_jahistc08_01_pharmacy_to_patient.csv")).Records);

        Assert.That(written, Does.Contain("\r\n201,1,ムコスタ錠１００ｍｇ,3,錠,1,,1,,,\r\n"), "201 has 10 fields, the generic name ones empty");
    }

    [Test]
    public void Should_read_a_pharmacy_dispensing_as_a_patient_sees_it()
    {
        var notebook = ReadSample("tc_jahistc08_01_pharmacy_to_patient.csv");
        var block = notebook.DispensingBlocks.Single();
        var doctor = block.PrescribingDoctors.Single();

        Assert.Multiple(() =>
        {
            Assert.That((notebook.Version, notebook.OutputKind), Is.EqualTo((8, "1")));
            Assert.That(notebook.Patient.Name, Is.EqualTo("試験 花子"));
            Assert.That(notebook.Patient.BirthDate.Date, Is.EqualTo(new JahisDate(1985, 4, 15)));
            Assert.That(notebook.Patient.Weight, Is.EqualTo("52.5"));
            Assert.That(notebook.PatientNotes.Single(), Is.EqualTo(new PatientNote("1", "セフェム系抗生物質（発疹）", "1")));
            Assert.That(block.Date.Date?.ToDateOnly(), Is.EqualTo(new DateOnly(2025, 6, 10)));
            Assert.That(block.DispensingInstitution?.Name, Is.EqualTo("みほん薬局　本町店"));
            Assert.That((block.DispensingInstitution?.Prefecture, block.DispensingInstitution?.ScoreTable, block.DispensingInstitution?.Code),
                Is.EqualTo(("13", "4", "1234567")));
            Assert.That(block.Dispenser?.Name, Is.EqualTo("見本 薬子"));
            Assert.That(block.PrescribingInstitution?.Name, Is.EqualTo("医療法人見本会　みほんクリニック"));
            Assert.That((doctor.Name, doctor.Department), Is.EqualTo(("見本 一郎", "内科")));
            Assert.That(block.Rps, Is.Empty, "every RP follows the prescribing doctor");
            Assert.That(doctor.Rps.Select(rp => rp.Number), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(doctor.Rps[0].Drugs.Select(d => d.Name), Is.EqualTo(new[] { "ロキソニン錠６０ｍｇ", "ムコスタ錠１００ｍｇ" }));
            Assert.That((doctor.Rps[0].Drugs[0].GenericName, doctor.Rps[0].Drugs[0].GenericNameCode),
                Is.EqualTo(("【般】ロキソプロフェンＮａ錠６０ｍｇ", "1149019F1ZZZ")));
            Assert.That(doctor.Rps[0].Drugs[0].Cautions.Single().Text, Is.EqualTo("胃の不快感があらわれた場合は相談してください。"));
            Assert.That((doctor.Rps[0].Directions?.Quantity, doctor.Rps[0].Directions?.Unit, doctor.Rps[0].Directions?.DosageFormCode),
                Is.EqualTo(((int?)14, "日分", "1")));
            Assert.That((doctor.Rps[1].Directions?.Quantity, doctor.Rps[1].Directions?.Unit, doctor.Rps[1].Directions?.DosageFormCode),
                Is.EqualTo(((int?)5, "回分", "3")));
            Assert.That(doctor.Rps[1].Drugs.Single().Supplements.Single().Text, Is.EqualTo("１回１錠　１日２回まで"));
            Assert.That(doctor.Rps[1].Cautions.Single().Text, Is.EqualTo("空腹時を避けて服用してください。"));
            Assert.That(block.Cautions.Single().Text, Is.EqualTo("他の薬を併用する際は、薬剤師に相談してください。"));
            Assert.That(block.Leftovers.Single().Text, Is.EqualTo("以前処方された痛み止めが５錠残っているとのこと。"));
            Assert.That(block.Remarks, Has.Count.EqualTo(1));
            Assert.That(notebook.PrimaryPharmacists.Single().StartDate?.Date, Is.EqualTo(new JahisDate(2025, 4, 1)));
            Assert.That(notebook.SplitControl, Is.Null);
        });
    }

    [Test]
    public void Should_read_what_the_patient_entered()
    {
        var notebook = ReadSample("tc_jahistc08_04_patient_to_provider.csv");
        var otc = notebook.OtcDrugs.Single();
        var block = notebook.DispensingBlocks.Single();

        Assert.Multiple(() =>
        {
            Assert.That(notebook.OutputKind, Is.EqualTo("2"));
            Assert.That((otc.Name, otc.Sequence, otc.JanCode), Is.EqualTo(("見本かぜ薬Ａ", (int?)1, "4900000000009")));
            Assert.That(otc.Ingredients.Single(), Is.EqualTo(new OtcIngredient("アセトアミノフェン", "1", null, "2")));
            Assert.That(notebook.Memos.Single().Date?.Date, Is.EqualTo(new JahisDate(2025, 4, 1)));
            Assert.That(block.Rps.Single().Drugs.Single().Name, Is.EqualTo("ロキソニン錠６０ｍｇ"), "an RP with no prescribing doctor belongs to the block");
            Assert.That(block.PatientEntries.Single(), Is.EqualTo(new PatientEntry("飲み始めてから胃が少し重い", new JahisDateText("20250303"))));
        });
    }

    [Test]
    public void Should_keep_a_birth_date_in_the_letter_era_as_written()
    {
        var notebook = ReadSample("tc_jahistc08_03_split_part1of2.csv");

        var written = NotebookWriter.ToDocument(notebook);

        Assert.Multiple(() =>
        {
            Assert.That(notebook.Patient.BirthDate.Date, Is.EqualTo(new JahisDate(1947, 1, 1)), "昭和22年 is 1947");
            Assert.That(written.First("1")!.Field(3), Is.EqualTo("S220101"));
            Assert.That(notebook.SplitControl, Is.EqualTo(new SplitControl("20250610093000", 2, 1)));
        });
    }

    [Test]
    public void Should_refuse_a_prescription()
    {
        var prescription = JahisReader.Read(Samples.Bytes("rx_jahis10_01_basic.txt"));

        Assert.That(() => NotebookReader.Read(prescription), Throws.ArgumentException);
    }
}
