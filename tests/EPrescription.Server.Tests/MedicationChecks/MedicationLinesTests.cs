using EPrescription.Server.MedicationChecks;

namespace EPrescription.Server.Tests.MedicationChecks;

/// <summary>What is stored and checked of a prescription and of a dispensing: ingredient, route and the days it counts.</summary>
public class MedicationLinesTests
{
    private static readonly DateOnly June10 = new(2025, 6, 10);

    [Test]
    public void Should_take_each_drug_of_a_prescription_with_its_ingredient_and_route_until_the_prescription_expires()
    {
        var lines = MedicationLines.FromPrescription(MedicationDocuments.Prescription().ToPrescription(), "rx1", new DateOnly(2025, 6, 13));

        Assert.Multiple(() =>
        {
            Assert.That(lines.Select(l => (l.Rp, l.Drug, l.Ingredient.Key, l.Route)), Is.EqualTo(new[]
            {
                (1, 1, "1149019", MedicationRoute.Internal),  // 一般名コード 1149019F1ZZZ
                (1, 2, "2329021", MedicationRoute.Internal),  // 厚生省 code 2329021F1021
                (2, 1, "カロナール錠200", MedicationRoute.AsNeeded), // no code: the name, NFKC
            }));
            Assert.That(lines.Select(l => l.LineNumber), Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(lines, Has.All.Matches<MedicationLine>(l =>
                l.Source == MedicationSource.Prescription && l.SourceId == "rx1" && l.PrescriptionId == "rx1"
                && l.TakingFrom == June10 && l.TakingUntil == new DateOnly(2025, 6, 13) && l.Date == June10
                && l.Institution == new MedicationInstitution("1311234567", "医療法人見本会　みほんクリニック") && l.Pharmacy == null));
            Assert.That(lines[0].DrugName, Is.EqualTo("【般】ロキソプロフェンＮａ錠６０ｍｇ"));
            Assert.That(lines[0].DrugCode, Is.EqualTo("1149019F1ZZZ"));
            Assert.That(lines[2].DrugCode, Is.Null);
        });
    }

    [TestCase("1", MedicationRoute.Internal)]
    [TestCase("4", MedicationRoute.Internal)]
    [TestCase("2", MedicationRoute.AsNeeded)]
    [TestCase("3", MedicationRoute.External)]
    [TestCase("5", MedicationRoute.Injection)]
    public void Should_give_an_rp_the_route_of_its_dosage_form_class(string dosageFormClass, MedicationRoute route)
    {
        var prescription = MedicationDocuments.Prescription().WithFieldOf("101", 0, 2, dosageFormClass).ToPrescription();

        var drugs = MedicationLines.ToCheck(prescription);

        Assert.That(drugs.Where(d => d.Rp == 1).Select(d => d.Route), Is.EqualTo(new[] { route, route }));
    }

    [TestCase("6")]
    [TestCase("9")]
    public void Should_not_check_medical_material_or_unknown_rps(string dosageFormClass)
    {
        var document = MedicationDocuments.Prescription().WithFieldOf("101", 0, 2, dosageFormClass);
        if (dosageFormClass == "9") document = document.WithFieldOf("101", 0, 3, "不明");

        var lines = MedicationLines.FromPrescription(document.ToPrescription(), "rx1", June10.AddDays(3));

        Assert.That(lines.Select(l => l.Rp), Is.EqualTo(new[] { 2 }));
    }

    [Test]
    public void Should_take_a_dispensing_from_its_date_through_its_supply_days()
    {
        var prescription = MedicationDocuments.Prescription().ToPrescription();
        var dispensing = MedicationDocuments.Dispensing().ToNotebook();

        var lines = MedicationLines.FromDispensing(dispensing, prescription, "rx1", "dsp1", June10);

        Assert.Multiple(() =>
        {
            Assert.That(lines.Select(l => (l.Rp, l.Drug, l.Ingredient.Key, l.Route, l.TakingUntil)), Is.EqualTo(new[]
            {
                (1, 1, "1149019", MedicationRoute.Internal, new DateOnly(2025, 6, 23)),       // 14 日分: the 10th and 13 more days
                (1, 2, "ムコスタ錠100mg", MedicationRoute.Internal, new DateOnly(2025, 6, 23)),
                (2, 1, "カロナール錠200", MedicationRoute.AsNeeded, new DateOnly(2025, 6, 13)), // 5 回分 屯服: its date and 3 more days
            }));
            Assert.That(lines, Has.All.Matches<MedicationLine>(l =>
                l.Source == MedicationSource.Dispensing && l.SourceId == "dsp1" && l.PrescriptionId == "rx1" && l.TakingFrom == June10
                && l.Date == June10 && l.Institution!.Code == "1311234567" && l.Pharmacy == new MedicationInstitution("1341234567", "みほん薬局　本町店")));
            Assert.That(lines[0].DrugName, Is.EqualTo("ロキソニン錠６０ｍｇ"));
            Assert.That(lines[0].DrugCode, Is.EqualTo("620098801"));
            Assert.That(lines[0].Ingredient.Product, Is.EqualTo(new ProductCode(ProductCodeKind.Receipt, "620098801")));
        });
    }

    [Test]
    public void Should_count_a_dispensing_in_the_days_its_pharmacy_supplied_not_the_days_prescribed()
    {
        var dispensing = MedicationDocuments.Dispensing().WithFieldOf("301", 0, 3, "7").ToNotebook();

        var lines = MedicationLines.FromDispensing(dispensing, MedicationDocuments.Prescription().ToPrescription(), "rx1", "dsp1", June10);

        Assert.That(lines.Where(l => l.Rp == 1).Select(l => l.TakingUntil), Is.EqualTo(new[] { new DateOnly(2025, 6, 16), new DateOnly(2025, 6, 16) }));
    }

    [TestCase("1", MedicationRoute.Internal)]
    [TestCase("2", MedicationRoute.Internal)]
    [TestCase("3", MedicationRoute.AsNeeded)]
    [TestCase("4", MedicationRoute.Injection)]
    [TestCase("5", MedicationRoute.External)]
    public void Should_read_a_dispensings_route_from_its_own_dosage_form_code(string dosageFormCode, MedicationRoute route)
    {
        // The notebook numbers its forms unlike the prescription: 2 内滴, 3 屯服, 4 注射, 5 外用.
        var dispensing = MedicationDocuments.Dispensing().WithFieldOf("301", 1, 5, dosageFormCode).ToNotebook();

        var drugs = MedicationLines.ToCheck(dispensing, prescription: null);

        Assert.That(drugs.Single(d => d.Rp == 2).Route, Is.EqualTo(route));
    }

    [Test]
    public void Should_not_check_material_in_a_dispensing()
    {
        var dispensing = MedicationDocuments.Dispensing().WithFieldOf("301", 1, 5, "9").ToNotebook();

        var drugs = MedicationLines.ToCheck(dispensing, MedicationDocuments.Prescription().ToPrescription());

        Assert.That(drugs.Select(d => d.Rp), Is.EqualTo(new[] { 1, 1 }));
    }

    [Test]
    public void Should_take_the_route_and_days_of_the_prescriptions_rp_when_the_dispensing_leaves_its_form_and_unit_out()
    {
        // Not valid JAHIS (the pharmacy must write both), but a reader meets it: the prescription's RP 1 is 内服 14 days.
        var dispensing = MedicationDocuments.Dispensing().WithFieldOf("301", 0, 4, "").WithFieldOf("301", 0, 5, "");
        var notebook = Formats.Notebook.NotebookReader.Read(dispensing);

        var withPrescription = MedicationLines.FromDispensing(notebook, MedicationDocuments.Prescription().ToPrescription(), "rx1", "dsp1", June10);
        var without = MedicationLines.FromDispensing(notebook, null, "rx1", "dsp1", June10);

        Assert.Multiple(() =>
        {
            Assert.That(withPrescription.Where(l => l.Rp == 1).Select(l => (l.Route, l.TakingUntil)),
                Is.EqualTo(new[] { (MedicationRoute.Internal, new DateOnly(2025, 6, 23)), (MedicationRoute.Internal, new DateOnly(2025, 6, 23)) }));
            Assert.That(without.Select(l => l.Rp), Is.EqualTo(new[] { 2 }), "without the prescription an RP of unknown form is not checked");
        });
    }

    [TestCase("4", "1149019F1560", "1149019")]   // YJ
    [TestCase("3", "1149019F1560", "1149019")]   // 厚生省 (薬価基準収載医薬品コード)
    [TestCase("7", "1149019F1ZZZ", "1149019")]   // 一般名コード
    [TestCase("2", "620098801", "620098801")]    // レセ電: the product itself
    [TestCase("6", "1234567010101", "123456701")] // HOT13 kept as its HOT9
    [TestCase("6", "123456701", "123456701")]
    public void Should_key_a_prescribed_drug_by_the_ingredient_its_code_names(string codeKind, string code, string key)
    {
        var prescription = MedicationDocuments.Prescription().WithFieldOf("201", 0, 4, codeKind).WithFieldOf("201", 0, 5, code).ToPrescription();

        var drug = MedicationLines.ToCheck(prescription)[0];

        Assert.That(drug.Ingredient.Key, Is.EqualTo(key));
    }

    [TestCase("　【般】ロキソプロフェンＮａ錠 ６０ｍｇ ", "ロキソプロフェンNa錠60mg")]
    [TestCase("ﾛｷｿﾌﾟﾛﾌｪﾝNa錠60mg", "ロキソプロフェンNa錠60mg")]
    [TestCase("ムコスタ錠１００ｍｇ", "ムコスタ錠100mg")]
    public void Should_normalise_names_as_people_read_them(string name, string normalised) =>
        Assert.That(Ingredient.NormaliseName(name), Is.EqualTo(normalised));
}
