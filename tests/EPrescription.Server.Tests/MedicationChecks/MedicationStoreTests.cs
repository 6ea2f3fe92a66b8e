using EPrescription.Formats.Reading;
using EPrescription.Server.MedicationChecks;
using EPrescription.Server.Storage;

namespace EPrescription.Server.Tests.MedicationChecks;

/// <summary>
/// The check on the real databases: what the patient takes on a day in Japan, as prescriptions are registered, dispensed,
/// cancelled and expire. The sample prescription is issued 2025-06-10 (valid through 06-13); its dispensing supplies 14 days
/// of RP 1 (internal) and RP 2 (as-needed, counted 4 days).
/// </summary>
public class MedicationStoreTests
{
    public static IEnumerable<DatabaseProvider> Providers => TestDatabases.All;

    private const string Patient = "pk-patient";
    private const string Clinic = "1311234567";
    private static readonly DateOnly June10 = new(2025, 6, 10);

    private Database _database = null!;
    private FixedClock _clock = null!;
    private MedicationStore _store = null!;

    private async Task StartAsync(DatabaseProvider provider)
    {
        _database = await TestDatabases.FreshAsync(provider);
        _clock = FixedClock.At(June10);
        _store = new MedicationStore(_clock);
    }

    private Task RegisterAsync(string prescriptionId, string patientKey = Patient, Func<JahisDocument, JahisDocument>? change = null)
    {
        var prescription = (change ?? (d => d))(MedicationDocuments.Prescription()).ToPrescription();
        var lines = MedicationLines.FromPrescription(prescription, prescriptionId, prescription.ExpiryDate ?? prescription.IssueDate.AddDays(3));
        return _database.InTransactionAsync((c, t) => _store.AddAsync(c, t, patientKey, lines));
    }

    private Task DispenseAsync(string prescriptionId, string dispensingId, DateOnly on, bool endsPrescription = true,
        Func<JahisDocument, JahisDocument>? change = null)
    {
        var notebook = (change ?? (d => d))(MedicationDocuments.Dispensing()).ToNotebook();
        var lines = MedicationLines.FromDispensing(notebook, MedicationDocuments.Prescription().ToPrescription(), prescriptionId, dispensingId, on);
        return _database.InTransactionAsync(async (c, t) =>
        {
            await _store.AddAsync(c, t, Patient, lines);
            if (endsPrescription) await _store.EndPrescriptionAsync(c, t, prescriptionId);
        });
    }

    private async Task<IReadOnlyList<DuplicateMedication>> CheckAsync(DateTimeOffset at, string? excludePrescriptionId = "rx-new",
        MedicationConsent consent = MedicationConsent.None, Func<JahisDocument, JahisDocument>? change = null, string patientKey = Patient)
    {
        _clock.Now = at;
        var drugs = MedicationLines.ToCheck((change ?? (d => d))(MedicationDocuments.Prescription()).ToPrescription());
        await using var connection = await _database.OpenAsync();
        return await _store.FindDuplicatesAsync(connection, null, patientKey, drugs, excludePrescriptionId, consent, Clinic);
    }

    /// <summary>An instant in Japan: the date at that hour and minute, UTC+9.</summary>
    private static DateTimeOffset Japan(DateOnly date, int hour = 12, int minute = 0) =>
        new(date.ToDateTime(new TimeOnly(hour, minute)), TimeSpan.FromHours(9));

    [TestCaseSource(nameof(Providers))]
    public async Task Should_find_the_patients_registered_prescription_and_nobody_elses(DatabaseProvider provider)
    {
        await StartAsync(provider);
        await RegisterAsync("rx-earlier");
        await RegisterAsync("rx-stranger", patientKey: "pk-somebody-else");

        var duplicates = await CheckAsync(Japan(June10));
        var forNewPatient = await CheckAsync(Japan(June10), patientKey: "pk-new-patient");

        Assert.Multiple(() =>
        {
            Assert.That(duplicates.Select(d => (d.Rp, d.Drug, d.Ingredient, d.Route, d.TakingUntil, d.Source, d.SameInstitution)), Is.EqualTo(new[]
            {
                (1, 1, "1149019", "internal", new DateOnly(2025, 6, 13), "prescription", true),
                (1, 2, "2329021", "internal", new DateOnly(2025, 6, 13), "prescription", true),
                (2, 1, "カロナール錠200", "as-needed", new DateOnly(2025, 6, 13), "prescription", true),
            }));
            Assert.That(forNewPatient, Is.Empty);
        });
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_stop_counting_a_finished_dispensing_after_its_supply_days_in_japan(DatabaseProvider provider)
    {
        await StartAsync(provider);
        await RegisterAsync("rx-earlier");
        await DispenseAsync("rx-earlier", "dsp-earlier", June10);

        var lastDay = await CheckAsync(Japan(new DateOnly(2025, 6, 23), 23, 59));
        // 2025-06-23 15:30 UTC is already the 24th in Japan: the 14 days (10th … 23rd) are over.
        var nextDayInJapan = await CheckAsync(new DateTimeOffset(2025, 6, 23, 15, 30, 0, TimeSpan.Zero));
        var asNeededLastDay = await CheckAsync(Japan(new DateOnly(2025, 6, 13)));
        var asNeededAfter = await CheckAsync(Japan(new DateOnly(2025, 6, 14)));

        Assert.Multiple(() =>
        {
            Assert.That(lastDay.Select(d => (d.Rp, d.Drug, d.Source, d.TakingUntil)), Is.EqualTo(new[]
            {
                (1, 1, "dispensing", new DateOnly(2025, 6, 23)),
                (1, 2, "dispensing", new DateOnly(2025, 6, 23)),
            }));
            Assert.That(nextDayInJapan, Is.Empty);
            Assert.That(asNeededLastDay.Where(d => d.Rp == 2).Select(d => d.Source), Is.EqualTo(new[] { "dispensing" }));
            Assert.That(asNeededAfter.Where(d => d.Rp == 2), Is.Empty, "an as-needed dispensing counts its date and 3 more days");
        });
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_never_count_a_cancelled_or_expired_prescription(DatabaseProvider provider)
    {
        await StartAsync(provider);
        await RegisterAsync("rx-cancelled");
        await _database.InTransactionAsync((c, t) => _store.EndPrescriptionAsync(c, t, "rx-cancelled"));
        var afterCancel = await CheckAsync(Japan(new DateOnly(2025, 6, 11)));

        await RegisterAsync("rx-expiring");
        var lastValidDay = await CheckAsync(Japan(new DateOnly(2025, 6, 13), 23, 59));
        var expired = await CheckAsync(Japan(new DateOnly(2025, 6, 14), 0, 0));

        Assert.Multiple(() =>
        {
            Assert.That(afterCancel, Is.Empty, "cancelled within its validity");
            Assert.That(lastValidDay, Has.Count.EqualTo(3));
            Assert.That(expired, Is.Empty, "expired after the 13th in Japan");
        });
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_count_a_refill_use_from_its_own_dispensing(DatabaseProvider provider)
    {
        await StartAsync(provider);
        await RegisterAsync("rx-refill");
        await DispenseAsync("rx-refill", "dsp-use-1", June10);           // ends the prescription's own lines: awaiting the next use
        var betweenUses = await CheckAsync(Japan(new DateOnly(2025, 6, 30)));
        await DispenseAsync("rx-refill", "dsp-use-2", new DateOnly(2025, 7, 1));
        var duringUse2 = await CheckAsync(Japan(new DateOnly(2025, 7, 14)), consent: MedicationConsent.Card);
        var afterUse2 = await CheckAsync(Japan(new DateOnly(2025, 7, 15)));

        Assert.Multiple(() =>
        {
            Assert.That(betweenUses, Is.Empty, "use 1 ended on the 23rd and the prescription itself no longer counts");
            Assert.That(duringUse2.Where(d => d.Rp == 1).Select(d => (d.Source, d.TakingUntil, d.Date)), Is.EqualTo(new[]
            {
                ("dispensing", new DateOnly(2025, 7, 14), (DateOnly?)new DateOnly(2025, 7, 1)),
                ("dispensing", new DateOnly(2025, 7, 14), (DateOnly?)new DateOnly(2025, 7, 1)),
            }));
            Assert.That(afterUse2, Is.Empty);
        });
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_count_a_part_from_its_own_dispensing_beside_the_prescription_still_held(DatabaseProvider provider)
    {
        await StartAsync(provider);
        await RegisterAsync("rx-parts");
        // A part of 7 days on the 11th; the prescription stays received, so its own lines count too.
        await DispenseAsync("rx-parts", "dsp-part-1", new DateOnly(2025, 6, 11), endsPrescription: false, change: d => d.WithFieldOf("301", 0, 3, "7"));

        var whileHeld = await CheckAsync(Japan(new DateOnly(2025, 6, 12)));
        var afterExpiry = await CheckAsync(Japan(new DateOnly(2025, 6, 17)));
        var afterPart = await CheckAsync(Japan(new DateOnly(2025, 6, 18)));

        Assert.Multiple(() =>
        {
            Assert.That(whileHeld.Select(d => (d.Rp, d.Drug, d.Source, d.TakingUntil)), Is.EqualTo(new[]
            {
                (1, 1, "dispensing", new DateOnly(2025, 6, 17)),
                (1, 2, "dispensing", new DateOnly(2025, 6, 17)),
                (2, 1, "dispensing", new DateOnly(2025, 6, 14)),
            }), "one entry per prescription: the part, taken longer than the prescription's validity");
            Assert.That(afterExpiry.Select(d => (d.Rp, d.Source)), Is.EqualTo(new[] { (1, "dispensing"), (1, "dispensing") }));
            Assert.That(afterPart, Is.Empty);
        });
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_not_count_the_prescription_being_checked(DatabaseProvider provider)
    {
        await StartAsync(provider);
        await RegisterAsync("rx-checked");
        await DispenseAsync("rx-checked", "dsp-part", June10, endsPrescription: false);
        await RegisterAsync("rx-other", change: d => d.WithFieldOf("101", 1, 2, "3")); // its RP 2 external: no duplicate of RP 2

        var duplicates = await CheckAsync(Japan(June10), excludePrescriptionId: "rx-checked");
        var notExcluded = await CheckAsync(Japan(June10), excludePrescriptionId: null);

        Assert.Multiple(() =>
        {
            Assert.That(duplicates.Select(d => (d.Rp, d.Drug, d.Source)), Is.EqualTo(new[] { (1, 1, "prescription"), (1, 2, "prescription") }),
                "only rx-other: neither rx-checked nor its dispensed part");
            Assert.That(notExcluded.Select(d => d.Rp), Is.EqualTo(new[] { 1, 1, 1, 1, 2 }));
        });
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_name_the_other_drug_institution_and_date_only_with_consent(DatabaseProvider provider)
    {
        await StartAsync(provider);
        await RegisterAsync("rx-earlier");
        await DispenseAsync("rx-earlier", "dsp-earlier", June10, change: d => d
            .WithFieldOf("51", 0, 1, "みほん整形外科").WithFieldOf("51", 0, 4, "7654321"));
        // Checked: ロキソニン by its レセ電 code, which only the dispensed drug carries.
        Func<JahisDocument, JahisDocument> receipt = d => d.WithFieldOf("201", 0, 4, "2").WithFieldOf("201", 0, 5, "620098801");

        var without = await CheckAsync(Japan(new DateOnly(2025, 6, 11)), change: receipt);
        var verbal = await CheckAsync(Japan(new DateOnly(2025, 6, 11)), consent: MedicationConsent.Verbal, change: receipt);

        Assert.Multiple(() =>
        {
            Assert.That(without[0], Is.EqualTo(new DuplicateMedication(1, 1, "620098801", "internal", new DateOnly(2025, 6, 23), "dispensing", false)));
            Assert.That(without, Has.All.Matches<DuplicateMedication>(d =>
                d.DrugName == null && d.DrugCode == null && d.Institution == null && d.Pharmacy == null && d.Date == null));
            Assert.That(verbal[0], Is.EqualTo(without[0] with
            {
                DrugName = "ロキソニン錠６０ｍｇ",
                DrugCode = "620098801",
                Institution = new MedicationInstitution("1317654321", "みほん整形外科"),
                Pharmacy = new MedicationInstitution("1341234567", "みほん薬局　本町店"),
                Date = June10,
            }));
            Assert.That(verbal.Skip(1).Select(d => (d.DrugName, d.DrugCode)), Is.EqualTo(new[]
            {
                ("ムコスタ錠１００ｍｇ", (string?)null),
                ("カロナール錠２００", null),
            }));
        });
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_give_the_drugs_of_a_stored_prescription_for_a_check_without_its_document(DatabaseProvider provider)
    {
        await StartAsync(provider);
        await RegisterAsync("rx-held", change: d => d.WithFieldOf("201", 0, 4, "6").WithFieldOf("201", 0, 5, "1234567010101"));
        await _database.InTransactionAsync((c, t) => _store.EndPrescriptionAsync(c, t, "rx-held"));

        await using var connection = await _database.OpenAsync();
        var drugs = await _store.DrugsOfPrescriptionAsync(connection, null, "rx-held");
        var unknown = await _store.DrugsOfPrescriptionAsync(connection, null, "rx-unknown");

        Assert.Multiple(() =>
        {
            Assert.That(drugs, Is.EqualTo(MedicationLines.ToCheck(MedicationDocuments.Prescription()
                .WithFieldOf("201", 0, 4, "6").WithFieldOf("201", 0, 5, "1234567010101").ToPrescription())));
            Assert.That(drugs[0].Ingredient.Product, Is.EqualTo(new ProductCode(ProductCodeKind.Hot, "123456701")));
            Assert.That(unknown, Is.Empty);
        });
    }
}
