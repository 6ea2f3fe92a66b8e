using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Server.MedicationChecks;

namespace EPrescription.Server.Tests.MedicationChecks;

/// <summary>Same ingredient by the same route (同一成分同一投与経路): what is a duplicate and what the answer shows.</summary>
public class DuplicateCheckTests
{
    private static readonly DateOnly June10 = new(2025, 6, 10);
    private const string Clinic = "1311234567";

    private static Prescription Rx(Func<JahisDocument, JahisDocument>? change = null) =>
        (change ?? (d => d))(MedicationDocuments.Prescription()).ToPrescription();

    private static IReadOnlyList<MedicationLine> TakingDispensing(Func<JahisDocument, JahisDocument>? change = null) =>
        MedicationLines.FromDispensing((change ?? (d => d))(MedicationDocuments.Dispensing()).ToNotebook(), Rx(), "rx-earlier", "dsp-earlier", June10);

    private static IReadOnlyList<MedicationLine> TakingPrescription(Func<JahisDocument, JahisDocument> change) =>
        MedicationLines.FromPrescription(Rx(change), "rx-earlier", June10.AddDays(3));

    private static IReadOnlyList<DuplicateMedication> Check(Prescription checkedPrescription, IEnumerable<MedicationLine> taking,
        MedicationConsent consent = MedicationConsent.None, string? exclude = "rx-new") =>
        DuplicateCheck.Find(MedicationLines.ToCheck(checkedPrescription), taking, June10, exclude, consent, Clinic);

    [Test]
    public void Should_find_the_drugs_the_patient_already_takes_by_the_same_route()
    {
        var duplicates = Check(Rx(), TakingDispensing());

        Assert.That(duplicates.Select(d => (d.Rp, d.Drug, d.Ingredient, d.Route, d.TakingUntil, d.Source, d.SameInstitution)), Is.EqualTo(new[]
        {
            (1, 1, "1149019", "internal", new DateOnly(2025, 6, 23), "dispensing", true),
            (1, 2, "2329021", "internal", new DateOnly(2025, 6, 23), "dispensing", true),  // coded ムコスタ, dispensed without code: by name
            (2, 1, "カロナール錠200", "as-needed", new DateOnly(2025, 6, 13), "dispensing", true),
        }));
    }

    [TestCase("3")] // 外用
    [TestCase("5")] // 注射
    [TestCase("2")] // 頓服
    public void Should_not_count_the_same_ingredient_by_another_route(string dosageFormClass)
    {
        var duplicates = Check(Rx(d => d.WithFieldOf("101", 0, 2, dosageFormClass)), TakingDispensing());

        Assert.That(duplicates.Select(d => d.Rp), Is.EqualTo(new[] { 2 }), "RP 1 by another route than the internal one taken");
    }

    [Test]
    public void Should_treat_internal_drops_and_internal_drugs_as_one_route()
    {
        var taking = TakingPrescription(d => d.WithFieldOf("101", 0, 2, "4")); // 内服滴剤

        var duplicates = Check(Rx(), taking); // 内服

        Assert.That(duplicates.Where(d => d.Rp == 1).Select(d => (d.Drug, d.Route)), Is.EqualTo(new[] { (1, "internal"), (2, "internal") }));
    }

    [Test]
    public void Should_match_a_yj_code_and_a_generic_name_code_of_the_same_ingredient_both_ways()
    {
        // Checked: ロキソニン錠60mg by its YJ code; taken: the sample's 【般】 prescription by its 一般名コード 1149019F1ZZZ.
        var yjChecked = Check(Rx(d => d.WithFieldOf("201", 0, 4, "4").WithFieldOf("201", 0, 5, "1149019F1560").WithFieldOf("201", 0, 6, "ロキソニン錠６０ｍｇ")),
            TakingPrescription(d => d));
        // Checked: the 一般名コード; taken: a dispensing that names its drug by YJ code only.
        var genericChecked = Check(Rx(), TakingDispensing(d => d
            .WithFieldOf("201", 0, 5, "4").WithFieldOf("201", 0, 6, "1149019F1560")
            .WithFieldOf("201", 0, 8, "").WithFieldOf("201", 0, 9, "").WithFieldOf("201", 0, 10, "")));

        Assert.Multiple(() =>
        {
            Assert.That(yjChecked.Where(d => d.Rp == 1 && d.Drug == 1).Select(d => d.Ingredient), Is.EqualTo(new[] { "1149019" }));
            Assert.That(genericChecked.Where(d => d.Rp == 1 && d.Drug == 1).Select(d => d.Ingredient), Is.EqualTo(new[] { "1149019" }));
        });
    }

    [Test]
    public void Should_match_a_receipt_code_only_with_itself()
    {
        var receiptChecked = Rx(d => d.WithFieldOf("201", 0, 4, "2").WithFieldOf("201", 0, 5, "620098801").WithFieldOf("201", 0, 6, "ロキソニン錠６０ｍｇ"));

        // The dispensing's drug carries the same レセ電 code (beside its 一般名コード).
        var sameCode = Check(receiptChecked, TakingDispensing());
        // The same ingredient by 一般名コード, and by another product's レセ電 code with the very same name: not the same code.
        var sameIngredient = Check(receiptChecked, TakingPrescription(d => d));
        var otherReceiptCode = Check(receiptChecked, TakingPrescription(d => d
            .WithFieldOf("201", 0, 4, "2").WithFieldOf("201", 0, 5, "620098802").WithFieldOf("201", 0, 6, "ロキソニン錠６０ｍｇ")));

        Assert.Multiple(() =>
        {
            Assert.That(sameCode.Where(d => d.Rp == 1 && d.Drug == 1).Select(d => d.Ingredient), Is.EqualTo(new[] { "620098801" }));
            Assert.That(sameIngredient.Where(d => d.Rp == 1 && d.Drug == 1), Is.Empty);
            Assert.That(otherReceiptCode.Where(d => d.Rp == 1 && d.Drug == 1), Is.Empty);
        });
    }

    [Test]
    public void Should_match_a_hot_code_with_the_same_product_only()
    {
        static Func<JahisDocument, JahisDocument> Hot(string code) => d => d.WithFieldOf("201", 0, 4, "6").WithFieldOf("201", 0, 5, code);
        var hot13 = Rx(Hot("1234567010101"));

        var samePackage = Check(hot13, TakingPrescription(Hot("1234567010102"))); // same HOT9, another package
        var otherDistributor = Check(hot13, TakingPrescription(Hot("1234567020101")));
        var sameIngredientByCode = Check(hot13, TakingPrescription(d => d));

        Assert.Multiple(() =>
        {
            Assert.That(samePackage.Where(d => d.Rp == 1 && d.Drug == 1).Select(d => d.Ingredient), Is.EqualTo(new[] { "123456701" }));
            Assert.That(otherDistributor.Where(d => d.Rp == 1 && d.Drug == 1), Is.Empty);
            Assert.That(sameIngredientByCode.Where(d => d.Rp == 1 && d.Drug == 1), Is.Empty, "a HOT code names a product, not an ingredient");
        });
    }

    [Test]
    public void Should_match_drugs_without_code_by_their_normalised_name()
    {
        // Checked カロナール錠２００ (full-width, no code) against a prescription writing ｶﾛﾅｰﾙ錠 200 (half-width, a blank).
        var duplicates = Check(Rx(), TakingPrescription(d => d.WithFieldOf("201", 2, 6, "ｶﾛﾅｰﾙ錠 200")));
        var otherName = Check(Rx(), TakingPrescription(d => d.WithFieldOf("201", 2, 6, "カロナール錠３００")));

        Assert.Multiple(() =>
        {
            Assert.That(duplicates.Where(d => d.Rp == 2).Select(d => d.Ingredient), Is.EqualTo(new[] { "カロナール錠200" }));
            Assert.That(otherName.Where(d => d.Rp == 2), Is.Empty);
        });
    }

    [Test]
    public void Should_show_the_other_drug_and_institution_only_with_consent()
    {
        var taking = MedicationLines.FromDispensing(MedicationDocuments.Dispensing()
                .WithFieldOf("51", 0, 1, "みほん整形外科").WithFieldOf("51", 0, 4, "7654321").ToNotebook(),
            null, "rx-earlier", "dsp-earlier", June10);

        var without = Check(Rx(), taking).First();
        var card = Check(Rx(), taking, MedicationConsent.Card).First();
        var verbal = Check(Rx(), taking, MedicationConsent.Verbal).First();

        Assert.Multiple(() =>
        {
            Assert.That(without, Is.EqualTo(new DuplicateMedication(1, 1, "1149019", "internal", new DateOnly(2025, 6, 23), "dispensing", false)),
                "without consent: no drug name or code, no institution, no date");
            Assert.That(card, Is.EqualTo(without with
            {
                DrugName = "ロキソニン錠６０ｍｇ",
                DrugCode = "620098801",
                Institution = new MedicationInstitution("1317654321", "みほん整形外科"),
                Pharmacy = new MedicationInstitution("1341234567", "みほん薬局　本町店"),
                Date = June10,
            }));
            Assert.That(verbal, Is.EqualTo(card));
        });
    }

    [Test]
    public void Should_give_one_entry_per_prescription_from_its_line_taken_longest()
    {
        // A part dispensed (7 days) of a prescription still received: both its own lines and the part's count.
        var prescription = MedicationLines.FromPrescription(Rx(), "rx-earlier", June10.AddDays(3));
        var part = MedicationLines.FromDispensing(MedicationDocuments.Dispensing().WithFieldOf("301", 0, 3, "7").ToNotebook(), Rx(), "rx-earlier", "dsp-part", June10);
        var another = MedicationLines.FromPrescription(Rx(), "rx-another", June10.AddDays(3));

        var duplicates = Check(Rx(), [.. prescription, .. part, .. another]).Where(d => d.Rp == 1 && d.Drug == 1).ToList();

        Assert.That(duplicates.Select(d => (d.Source, d.TakingUntil)), Is.EqualTo(new[]
        {
            ("dispensing", new DateOnly(2025, 6, 16)),
            ("prescription", new DateOnly(2025, 6, 13)),
        }));
    }

    [TestCase(null, true, MedicationConsent.None)]
    [TestCase("", true, MedicationConsent.None)]
    [TestCase("card", true, MedicationConsent.Card)]
    [TestCase(" Verbal ", true, MedicationConsent.Verbal)]
    [TestCase("yes", false, MedicationConsent.None)]
    public void Should_read_the_consent_of_a_request(string? value, bool valid, MedicationConsent consent)
    {
        var ok = MedicationConsents.TryParse(value, out var parsed);

        Assert.That((ok, parsed), Is.EqualTo((valid, consent)));
    }
}
