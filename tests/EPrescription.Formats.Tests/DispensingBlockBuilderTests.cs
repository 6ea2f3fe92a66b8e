using EPrescription.Formats.Notebook;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Validation;
using EPrescription.Formats.Writing;

namespace EPrescription.Formats.Tests;

public class DispensingBlockBuilderTests
{
    private static readonly Dispensing AsPrescribed = new()
    {
        Date = new DateOnly(2025, 6, 10),
        Pharmacy = new DispensingPharmacy("みほん薬局　本町店", "13", "1234567", "100-0002", "東京都千代田区本町０－０－０", "03-0000-0003"),
        PharmacistName = "見本 薬子",
    };

    private static Prescription Basic() => PrescriptionReader.Read(JahisReader.Read(Samples.Bytes("rx_jahis10_01_basic.txt")));

    [Test]
    public void Should_build_a_notebook_document_the_validator_accepts()
    {
        var document = NotebookWriter.ToDocument(DispensingBlockBuilder.BuildNotebook(Basic(), AsPrescribed));

        var report = JahisValidator.Validate(JahisReader.Read(JahisWriter.Write(document)));

        Assert.Multiple(() =>
        {
            Assert.That(report.Problems.Select(p => p.ToString()), Is.Empty);
            Assert.That(document.VersionRecord.ToString(), Is.EqualTo("JAHISTC08,1"));
        });
    }

    [Test]
    public void Should_record_the_patient_pharmacy_and_prescriber()
    {
        var notebook = DispensingBlockBuilder.BuildNotebook(Basic(), AsPrescribed);
        var block = notebook.DispensingBlocks.Single();

        Assert.Multiple(() =>
        {
            Assert.That(notebook.Patient, Is.EqualTo(new NotebookPatient
            {
                Name = "試験 花子", Sex = "2", BirthDate = new Values.JahisDateText("19850415"), KanaName = "シケン ハナコ",
            }));
            Assert.That(block.Date.Text, Is.EqualTo("20250610"));
            Assert.That(block.DispensingInstitution, Is.EqualTo(new DispensingInstitution(
                "みほん薬局　本町店", "13", "4", "1234567", "100-0002", "東京都千代田区本町０－０－０", "03-0000-0003", "1")));
            Assert.That(block.Dispenser, Is.EqualTo(new Dispenser("見本 薬子", null, "1")));
            Assert.That(block.PrescribingInstitution, Is.EqualTo(new PrescribingInstitution("医療法人見本会　みほんクリニック", "13", "1", "1234567", "1")));
            Assert.That((block.PrescribingDoctors.Single().Name, block.PrescribingDoctors.Single().Department), Is.EqualTo(("見本 一郎", "内科")));
        });
    }

    [Test]
    public void Should_map_dosage_forms_and_quantities_between_the_formats()
    {
        var rps = DispensingBlockBuilder.Build(Basic(), AsPrescribed).AllRps.ToList();

        Assert.Multiple(() =>
        {
            Assert.That(rps[0].Directions, Is.EqualTo(new NotebookDirections
            {
                Name = "１日３回朝昼夕食後", Quantity = 14, Unit = "日分", DosageFormCode = "1", CodeKind = "2", Code = "1013044400000000", Creator = "1",
            }), "RP1 内服 (oral): 14 days");
            Assert.That(rps[1].Directions, Is.EqualTo(new NotebookDirections
            {
                Name = "疼痛時", Quantity = 5, Unit = "回分", DosageFormCode = "3", CodeKind = "1", Code = null, Creator = "1",
            }), "RP2 頓服 (as needed): Rx class 2 is the notebook's 3, 5 doses");
            Assert.That(rps[1].Drugs.Single().Supplements.Single().Text, Is.EqualTo("１回１錠　１日２回まで"));
        });
    }

    [Test]
    public void Should_move_a_generic_name_prescription_to_the_generic_name_fields()
    {
        var drugs = DispensingBlockBuilder.Build(Basic(), AsPrescribed).AllRps.First().Drugs;

        Assert.Multiple(() =>
        {
            Assert.That(drugs[0], Is.EqualTo(new NotebookDrug
            {
                Name = "【般】ロキソプロフェンＮａ錠６０ｍｇ", Dose = "3", Unit = "錠", CodeKind = "1", Code = null, Creator = "1",
                GenericName = "【般】ロキソプロフェンＮａ錠６０ｍｇ", GenericNameCodeKind = "2", GenericNameCode = "1149019F1ZZZ",
                Supplements = drugs[0].Supplements, Cautions = drugs[0].Cautions,
            }));
            Assert.That((drugs[1].Name, drugs[1].CodeKind, drugs[1].Code, drugs[1].GenericName), Is.EqualTo(("ムコスタ錠１００ｍｇ", "3", "2329021F1021", (string?)null)));
        });
    }

    [Test]
    public void Should_record_the_brand_dispensed_for_a_generic_name_as_the_pharmacy_sample_does()
    {
        var dispensing = AsPrescribed with { Substitutions = [new DispensedDrug(1, 1, "ロキソニン錠６０ｍｇ", "2", "620098801")] };

        var document = NotebookWriter.ToDocument(DispensingBlockBuilder.BuildNotebook(Basic(), dispensing));

        Assert.That(document.First("201")!.ToString(),
            Is.EqualTo("201,1,ロキソニン錠６０ｍｇ,3,錠,2,620098801,1,【般】ロキソプロフェンＮａ錠６０ｍｇ,2,1149019F1ZZZ"));
    }

    [Test]
    public void Should_give_the_total_dose_for_an_external_drug_dispensed_once()
    {
        var basic = Basic();
        var ointment = basic with
        {
            Rps =
            [
                basic.Rps[0] with
                {
                    DosageFormClass = "3",
                    Quantity = 7,
                    Directions = new Directions("1", null, "１日２回　患部に塗布", 2),
                    Drugs = [basic.Rps[0].Drugs[1] with { Name = "リンデロン－ＶＧ軟膏０．１２％", CodeKind = "2", Code = "662640418", Dose = "1.5", Unit = "ｇ" }],
                },
            ],
        };

        var rp = DispensingBlockBuilder.Build(ointment, AsPrescribed).AllRps.Single();

        Assert.Multiple(() =>
        {
            Assert.That((rp.Directions?.DosageFormCode, rp.Directions?.Quantity, rp.Directions?.Unit), Is.EqualTo(("5", (int?)1, "調剤")));
            Assert.That((rp.Drugs.Single().Dose, rp.Drugs.Single().Unit), Is.EqualTo(("10.5", "ｇ")), "1.5 g a day for 7 days");
        });
    }
}
