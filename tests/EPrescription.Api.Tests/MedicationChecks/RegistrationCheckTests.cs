using System.Net;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.MedicationChecks;

/// <summary>
/// A clinic registering a prescription learns what the patient already takes of the same ingredient by the same route
/// (SPEC §10): the 201 answer carries <c>duplicateMedication</c>; registration is never refused for it.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class RegistrationCheckTests(DatabaseProvider provider) : MedicationScenario(provider)
{
    [Test]
    public async Task Should_answer_an_empty_list_when_the_patient_takes_nothing_else()
    {
        var registered = await RegisterVisitAsync(Visit(1));

        Assert.That(Duplicates(registered), Is.Empty);
    }

    [Test]
    public async Task Should_warn_of_the_same_clinics_earlier_prescription_without_naming_drug_or_institution()
    {
        var first = await RegisterVisitAsync(Visit(1));

        var second = await RegisterVisitAsync(Visit(2));

        var duplicates = Duplicates(second);
        Assert.Multiple(() =>
        {
            Assert.That(second.GetProperty("status").GetString(), Is.EqualTo("registered"), "the doctor decides: registration goes ahead");
            Assert.That(duplicates.Select(Drug), Is.EqualTo(BasicSampleDrugs));
            foreach (var entry in duplicates)
            {
                Assert.That(Members(entry), Is.EqualTo(new[] { "rp", "drug", "ingredient", "route", "takingUntil", "source", "sameInstitution" }),
                    "without consent nothing names the other drug or institution");
                Assert.That(entry.GetProperty("takingUntil").GetString(), Is.EqualTo(first.GetProperty("expiresOn").GetString()));
                Assert.That(entry.GetProperty("source").GetString(), Is.EqualTo("prescription"));
                Assert.That(entry.GetProperty("sameInstitution").GetBoolean(), Is.True);
            }
        });
    }

    [TestCase("card")]
    [TestCase("verbal")]
    public async Task Should_name_the_drug_the_institution_and_the_date_with_the_patients_consent(string consent)
    {
        await RegisterVisitAsync(Visit(1));

        var second = await RegisterVisitAsync(Visit(2), consent: consent);

        var loxoprofen = Duplicates(second)[0];
        Assert.Multiple(() =>
        {
            Assert.That(Members(loxoprofen), Is.EqualTo(new[]
            {
                "rp", "drug", "ingredient", "route", "takingUntil", "source", "sameInstitution", "drugName", "drugCode", "institution", "date",
            }));
            Assert.That(loxoprofen.GetProperty("drugName").GetString(), Is.EqualTo("【般】ロキソプロフェンＮａ錠６０ｍｇ"));
            Assert.That(loxoprofen.GetProperty("drugCode").GetString(), Is.EqualTo("1149019F1ZZZ"));
            Assert.That(loxoprofen.GetProperty("institution").GetProperty("code").GetString(), Is.EqualTo(Rx.ClinicInstitution));
            Assert.That(loxoprofen.GetProperty("institution").GetProperty("name").GetString(), Is.EqualTo("医療法人見本会　みほんクリニック"));
            Assert.That(loxoprofen.GetProperty("date").GetString(), Is.EqualTo(Today));
        });
    }

    [Test]
    public async Task Should_say_when_another_institution_prescribed_the_same_ingredients()
    {
        await RegisterVisitAsync(Visit(1, institution: DentalClinic.InstitutionCode!), DentalClinic);

        var withoutConsent = await RegisterVisitAsync(Visit(2));
        var withConsent = await RegisterVisitAsync(Visit(3), consent: "card");

        Assert.Multiple(() =>
        {
            Assert.That(Duplicates(withoutConsent).Select(Drug), Is.EqualTo(BasicSampleDrugs));
            Assert.That(Duplicates(withoutConsent).Select(d => d.GetProperty("sameInstitution").GetBoolean()), Is.All.False);
            // Visit 3 also finds visit 2, from its own clinic; the dental clinic's lines say which institution they are.
            var fromDental = Duplicates(withConsent).Where(d => !d.GetProperty("sameInstitution").GetBoolean()).ToList();
            Assert.That(fromDental.Select(Drug), Is.EqualTo(BasicSampleDrugs));
            Assert.That(fromDental.Select(d => d.GetProperty("institution").GetProperty("code").GetString()), Is.All.EqualTo(DentalClinic.InstitutionCode));
            Assert.That(Duplicates(withConsent).Count(d => d.GetProperty("sameInstitution").GetBoolean()), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task Should_not_count_another_patients_prescription()
    {
        await RegisterVisitAsync(Visit(1, card: OtherPatient));

        var registered = await RegisterVisitAsync(Visit(2));

        Assert.That(Duplicates(registered), Is.Empty);
    }

    [Test]
    public async Task Should_answer_a_retried_registration_with_the_list_of_the_first_answer()
    {
        await RegisterVisitAsync(Visit(1));
        var body = Signed.Detached(Visit(2));
        var first = await RegisterAsync(body);
        await RegisterVisitAsync(Visit(3)); // the patient now takes more, but a retry is answered as the first time

        using var retried = await PostRegisterAsync(body);

        var again = await ExpectAsync(retried, HttpStatusCode.Created);
        Assert.Multiple(() =>
        {
            Assert.That(retried.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }));
            Assert.That(Duplicates(again).Select(Drug), Is.EqualTo(BasicSampleDrugs));
            Assert.That(again.GetProperty("duplicateMedication").GetRawText(), Is.EqualTo(first.GetProperty("duplicateMedication").GetRawText()));
        });
    }

    [Test]
    public async Task Should_stop_counting_a_prescription_past_its_last_valid_date()
    {
        var expired = await RegisterVisitAsync(Visit(1));
        // The day after the last valid date, in Japan (the service's clock), a new prescription of that day.
        var dayAfter = Rx.ParseDate(expired.GetProperty("expiresOn").GetString()!.Replace("-", "", StringComparison.Ordinal)).AddDays(1);
        Api.Clock.Set(new DateTimeOffset(dayAfter.ToDateTime(new TimeOnly(10, 0)), TimeSpan.FromHours(9)));
        var document = Rx.Write(Rx.Records(Rx.Basic, issuedOn: dayAfter).Select(r => r.Number == "11" ? Rx.With(r, (1, "000002")) : r));

        var registered = await RegisterAsync(Signed.Body(document, Signed.DetachedSignature(document)));

        Assert.That(Duplicates(registered), Is.Empty);
    }

    /// <summary>
    /// Cancelling ends the prescription's lines (MedicationStore.EndPrescriptionAsync in the cancellation's transaction), which
    /// the lifecycle work wires into Cancel; until then this scenario fails on purpose.
    /// </summary>
    [Test]
    public async Task Should_stop_counting_a_cancelled_prescription()
    {
        var cancelled = await RegisterVisitAsync(Visit(1));
        using var cancel = await Api.PostAsync($"/v1/prescriptions/{cancelled.GetProperty("prescriptionId").GetString()}/cancel", Clinic);
        await ExpectAsync(cancel, HttpStatusCode.OK);

        var registered = await RegisterVisitAsync(Visit(2));

        Assert.That(Duplicates(registered), Is.Empty);
    }

    [Test]
    public async Task Should_refuse_an_unknown_consent_by_name_and_store_nothing()
    {
        var body = Signed.Detached(Visit(1));
        body["consent"] = "yes";

        using var response = await PostRegisterAsync(body);

        var problem = await ExpectProblemAsync(response, HttpStatusCode.BadRequest, "REQUEST_INVALID");
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(problem.GetProperty("errors")[0].GetProperty("message").GetString(), Does.StartWith("consent:"));
            await Api.AssertNothingStoredAsync();
            Assert.That(await Api.CountAsync("medications"), Is.Zero);
        });
    }

    [Test]
    public async Task Should_audit_the_consent_and_how_many_duplicates_were_found()
    {
        await RegisterVisitAsync(Visit(1));
        var second = await RegisterVisitAsync(Visit(2), consent: "verbal");

        var entries = await AuditAsync(second.GetProperty("prescriptionId").GetString()!);

        Assert.That(entries.Select(e => (e.GetProperty("action").GetString(), e.GetProperty("detail").GetString())),
            Is.EqualTo(new[] { ("prescription.register", "consent=verbal; duplicates=3") }));
    }
}
