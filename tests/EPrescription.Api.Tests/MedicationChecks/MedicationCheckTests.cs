using System.Net;
using EPrescription.Api.Tests.Pharmacies;
using EPrescription.Formats.Writing;
using EPrescription.Server.Clients;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.MedicationChecks;

/// <summary>
/// <c>POST /v1/medication-checks</c> (SPEC §10): a clinic checks a prescription document of its own before registering it; the
/// holding pharmacy checks the held prescription, or the dispensing document it is about to send. The check changes nothing
/// but the audit.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class MedicationCheckTests(DatabaseProvider provider) : MedicationScenario(provider)
{
    [Test]
    public async Task Should_check_a_clinics_document_before_it_is_registered_and_register_nothing()
    {
        await RegisterVisitAsync(Visit(1));
        var before = await StoredRowsAsync();

        var duplicates = await DuplicatesOfCheckAsync(new { document = Convert.ToBase64String(Visit(2)) }, Clinic);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(duplicates.Select(Drug), Is.EqualTo(BasicSampleDrugs));
            Assert.That(duplicates.Select(d => d.GetProperty("sameInstitution").GetBoolean()), Is.All.True);
            Assert.That(duplicates.Select(Members), Has.All.Not.Contain("drugName"));
            Assert.That(await StoredRowsAsync(), Is.EqualTo(before), "no prescription, line, history or event added");
        });
    }

    [Test]
    public async Task Should_check_a_utf8_document_with_consent_and_audit_both()
    {
        await RegisterVisitAsync(Visit(1, institution: DentalClinic.InstitutionCode!), DentalClinic);
        var document = Rx.WriteUtf8(Rx.Records(Rx.Basic));

        var duplicates = await DuplicatesOfCheckAsync(new { document = Convert.ToBase64String(document), encoding = "utf-8", consent = "verbal" }, Clinic);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(duplicates.Select(Drug), Is.EqualTo(BasicSampleDrugs));
            Assert.That(duplicates.Select(d => d.GetProperty("sameInstitution").GetBoolean()), Is.All.False);
            Assert.That(duplicates.Select(d => d.GetProperty("institution").GetProperty("code").GetString()), Is.All.EqualTo(DentalClinic.InstitutionCode));
            Assert.That(duplicates[0].GetProperty("drugName").GetString(), Is.EqualTo("【般】ロキソプロフェンＮａ錠６０ｍｇ"));
            // A document not yet registered has no prescription ID to find its entry by: the operator's log holds it all the same.
            Assert.That(await Api.CountAsync("audit_log",
                "action = 'medication.check' AND client_id = @id AND outcome = 'OK' AND status_code = 200 AND detail = 'consent=verbal; duplicates=3'",
                new { id = Clinic.Id }), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Should_refuse_a_clinic_checking_another_institutions_prescription()
    {
        var document = Visit(1, institution: DentalClinic.InstitutionCode!);

        using var response = await CheckAsync(new { document = Convert.ToBase64String(document) }, Clinic);

        await ExpectProblemAsync(response, HttpStatusCode.Forbidden, "INSTITUTION_MISMATCH");
    }

    [Test]
    public async Task Should_list_every_error_of_an_invalid_document()
    {
        var records = Rx.Records(Rx.Basic).Select(r => r.Number == "13" ? Rx.With(r, (1, "19850231")) : r);

        using var response = await CheckAsync(new { document = Convert.ToBase64String(Rx.Write(records)) }, Clinic);

        var problem = await ExpectProblemAsync(response, HttpStatusCode.UnprocessableEntity, "DOCUMENT_INVALID");
        var error = problem.GetProperty("errors")[0];
        Assert.Multiple(() =>
        {
            Assert.That(error.GetProperty("record").GetString(), Is.EqualTo("13"));
            Assert.That(error.GetProperty("field").GetInt32(), Is.EqualTo(1));
            Assert.That(error.GetProperty("line").GetInt32(), Is.GreaterThan(1));
        });
    }

    [TestCase("{\"consent\": \"yes\"}", "consent:")]
    [TestCase("{}", "document:")]
    [TestCase("{\"document\": \"not base64!\"}", "document:")]
    public async Task Should_refuse_a_clinics_request_naming_what_is_wrong(string body, string named)
    {
        using var response = await Api.PostAsync("/v1/medication-checks", Clinic, Json(body));

        var problem = await ExpectProblemAsync(response, HttpStatusCode.BadRequest, "REQUEST_INVALID");
        Assert.That(problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("message").GetString()), Has.Some.StartWith(named));
    }

    [Test]
    public async Task Should_check_a_held_prescription_for_the_pharmacy_and_change_nothing()
    {
        await RegisterVisitAsync(Visit(1));
        var held = await RegisterVisitAsync(Visit(2));
        await ReceiveAsync(held);
        var id = held.GetProperty("prescriptionId").GetString()!;
        var (status, rows) = (await StatusTextAsync(held), await StoredRowsAsync());

        var duplicates = await DuplicatesOfCheckAsync(new { prescriptionId = id.ToLowerInvariant(), consent = "card" }, Pharmacy);

        var audit = await AuditAsync(id);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(duplicates.Select(Drug), Is.EqualTo(BasicSampleDrugs), "the held prescription's drugs, against visit 1 only");
            Assert.That(duplicates.Select(d => d.GetProperty("sameInstitution").GetBoolean()), Is.All.True, "the issuing clinic prescribed visit 1 too");
            Assert.That(duplicates.Select(d => d.GetProperty("institution").GetProperty("code").GetString()), Is.All.EqualTo(Rx.ClinicInstitution));
            Assert.That(await StatusTextAsync(held), Is.EqualTo(status), "status, holder and history unchanged");
            Assert.That(await StoredRowsAsync(), Is.EqualTo(rows));
            Assert.That(audit.Select(e => (e.GetProperty("action").GetString(), e.GetProperty("clientId").GetString(), e.GetProperty("detail").GetString())).Last(),
                Is.EqualTo(("medication.check", Pharmacy.Id, "consent=card; duplicates=3")));
        });
    }

    [Test]
    public async Task Should_check_the_drugs_of_the_dispensing_document_the_pharmacy_is_about_to_send()
    {
        await RegisterVisitAsync(Visit(1));
        var held = await RegisterVisitAsync(Visit(2));
        await ReceiveAsync(held);
        // The pharmacy gives another drug than カロナール for RP 2: what it dispenses is checked, not what was prescribed.
        var dispensing = JahisWriter.Write(Dispensings.Records(Rx.TodayInJapan)
            .Select(r => r.Number == "201" && r.Field(1) == "2" ? Rx.With(r, (2, "ビオフェルミン錠剤")) : r));

        var duplicates = await DuplicatesOfCheckAsync(
            new { prescriptionId = held.GetProperty("prescriptionId").GetString(), document = Convert.ToBase64String(dispensing) }, Pharmacy);

        Assert.That(duplicates.Select(Drug), Is.EqualTo(new[] { (1, 1, "1149019", "internal"), (1, 2, "ムコスタ錠100mg", "internal") }));
    }

    [Test]
    public async Task Should_refuse_a_dispensing_document_that_is_a_prescription()
    {
        var held = await RegisterVisitAsync(Visit(1));
        await ReceiveAsync(held);

        using var response = await CheckAsync(
            new { prescriptionId = held.GetProperty("prescriptionId").GetString(), document = Convert.ToBase64String(Visit(2)) }, Pharmacy);

        await ExpectProblemAsync(response, HttpStatusCode.UnprocessableEntity, "DOCUMENT_INVALID");
    }

    [Test]
    public async Task Should_not_tell_a_pharmacy_about_a_prescription_it_does_not_hold()
    {
        var registered = await RegisterVisitAsync(Visit(1));
        var id = registered.GetProperty("prescriptionId").GetString();
        using var notReceived = await CheckAsync(new { prescriptionId = id }, Pharmacy);
        await ReceiveAsync(registered);

        using var heldByAnother = await CheckAsync(new { prescriptionId = id }, DevClients.SecondPharmacy);
        using var unknown = await CheckAsync(new { prescriptionId = "7KQM4R-X9TB3H-PWC2DF" }, Pharmacy);

        await ExpectProblemAsync(notReceived, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
        await ExpectProblemAsync(heldByAnother, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
        await ExpectProblemAsync(unknown, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
    }

    [Test]
    public async Task Should_refuse_notebook_apps_and_operators()
    {
        var body = new { document = Convert.ToBase64String(Visit(1)) };

        using var notebook = await CheckAsync(body, NotebookApp);
        using var admin = await CheckAsync(body, Admin);

        await ExpectProblemAsync(notebook, HttpStatusCode.Forbidden, "FORBIDDEN");
        await ExpectProblemAsync(admin, HttpStatusCode.Forbidden, "FORBIDDEN");
    }

    /// <summary>How many rows the check could have written: prescriptions, their lines, history, events and dispensings.</summary>
    private async Task<(int, int, int, int, int)> StoredRowsAsync() => (
        await Api.CountAsync("prescriptions"), await Api.CountAsync("medications"), await Api.CountAsync("prescription_history"),
        await Api.CountAsync("outbox"), await Api.CountAsync("dispensings"));
}
