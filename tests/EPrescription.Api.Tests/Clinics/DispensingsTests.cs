using System.Net;
using System.Text;
using EPrescription.Api.Tests.Pharmacies;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Clinics;

/// <summary>
/// GET /v1/prescriptions/{id}/dispensings (SPEC §11): the issuing clinic and the holding pharmacy see each dispensing with the
/// pharmacist-signed document exactly as it was signed, the pharmacy, the date and the substitutions; anyone else is told the
/// prescription does not exist, a notebook app is refused, and the reads are audited.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class DispensingsTests(DatabaseProvider provider) : ClinicScenario(provider)
{
    [Test]
    public async Task Should_show_the_clinic_and_the_holding_pharmacy_the_signed_dispensing_with_its_substitution()
    {
        var (id, code) = await RegisterVisitAsync(1);
        await ReceivedAsync(id, code);
        var beforeDispensing = await DispensingsAsync(id);
        // The second drug of RP 1 (ムコスタ錠１００ｍｇ) dispensed as a generic: a substitution.
        var document = Dispensings.Document(TodayInJapan, records =>
            records.Select(r => r.Number == "201" && r.Field(2) == "ムコスタ錠１００ｍｇ" ? Rx.With(r, (2, "レバミピド錠１００ｍｇ「サワイ」")) : r).ToList());
        var signature = Sign(document, Dispensings.Pharmacist);
        string? dispensingId;
        using (var response = await DispenseAsync(id, Signed.Body(document, signature)))
            dispensingId = (await ExpectAsync(response, HttpStatusCode.OK)).GetProperty("dispensingId").GetString();

        var clinicView = await DispensingsAsync(id);
        var pharmacyView = await DispensingsAsync(id, Pharmacy);

        var dispensing = clinicView.GetProperty("dispensings")[0];
        Assert.Multiple(() =>
        {
            Assert.That(beforeDispensing.GetProperty("dispensings").GetArrayLength(), Is.Zero);
            Assert.That(clinicView.GetProperty("prescriptionId").GetString(), Is.EqualTo(id));
            Assert.That(clinicView.GetProperty("dispensings").GetArrayLength(), Is.EqualTo(1));
            Assert.That(dispensing.GetProperty("id").GetString(), Is.EqualTo(dispensingId));
            Assert.That(dispensing.GetProperty("pharmacy").GetProperty("name").GetString(), Is.EqualTo(Pharmacy.Name));
            Assert.That(dispensing.GetProperty("pharmacy").GetProperty("institutionCode").GetString(), Is.EqualTo(Pharmacy.InstitutionCode));
            Assert.That(dispensing.GetProperty("dispensedOn").GetString(), Is.EqualTo(TodayInJapan.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(dispensing.GetProperty("part").GetBoolean(), Is.False);
            Assert.That(dispensing.GetProperty("important").GetBoolean(), Is.False);
            Assert.That(dispensing.TryGetProperty("noteToPrescriber", out _), Is.False);
            Assert.That(Convert.FromBase64String(dispensing.GetProperty("document").GetString()!), Is.EqualTo(document), "the exact signed bytes");
            Assert.That(Convert.FromBase64String(dispensing.GetProperty("signature").GetString()!), Is.EqualTo(signature));
            Assert.That(dispensing.GetProperty("signatureDetached").GetBoolean(), Is.True);
            Assert.That(dispensing.TryGetProperty("encoding", out _), Is.False, "Shift_JIS, the default, as in the request");
            Assert.That(dispensing.GetProperty("substitutions").GetArrayLength(), Is.EqualTo(1));
            Assert.That(dispensing.GetProperty("substitutions")[0].GetProperty("rp").GetInt32(), Is.EqualTo(1));
            Assert.That(dispensing.GetProperty("substitutions")[0].GetProperty("dispensed").GetString(), Is.EqualTo("レバミピド錠１００ｍｇ「サワイ」"));
            Assert.That(dispensing.GetProperty("substitutions")[0].GetProperty("prescribed").GetArrayLength(), Is.GreaterThan(0));
            Assert.That(pharmacyView.GetRawText(), Is.EqualTo(clinicView.GetRawText()), "the holding pharmacy sees the same");
        });
    }

    [Test]
    public async Task Should_say_when_the_signed_document_is_utf8()
    {
        var (id, code) = await RegisterVisitAsync(1);
        var document = Rx.WriteUtf8(Dispensings.Records(TodayInJapan));
        var signature = Sign(document, Dispensings.Pharmacist);
        await ReceiveAndDispenseAsync(id, code, Signed.Body(document, signature, "utf-8"));

        var dispensing = (await DispensingsAsync(id)).GetProperty("dispensings")[0];

        Assert.Multiple(() =>
        {
            Assert.That(dispensing.GetProperty("encoding").GetString(), Is.EqualTo("utf-8"));
            Assert.That(Encoding.UTF8.GetString(Convert.FromBase64String(dispensing.GetProperty("document").GetString()!)), Does.Contain("みほん薬局"));
        });
    }

    [Test]
    public async Task Should_tell_another_clinic_and_another_pharmacy_it_does_not_exist_and_refuse_a_notebook_app()
    {
        var (id, code) = await RegisterVisitAsync(1);
        await ReceiveAndDispenseAsync(id, code);

        using var otherClinic = await Api.GetAsync($"/v1/prescriptions/{id}/dispensings", DentalClinic);
        using var otherPharmacy = await Api.GetAsync($"/v1/prescriptions/{id}/dispensings", SecondPharmacy);
        using var unknown = await Api.GetAsync("/v1/prescriptions/not-an-id/dispensings", Clinic);
        using var app = await Api.GetAsync($"/v1/prescriptions/{id}/dispensings", NotebookApp);

        Assert.Multiple(async () =>
        {
            await ExpectProblemAsync(otherClinic, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
            await ExpectProblemAsync(otherPharmacy, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
            await ExpectProblemAsync(unknown, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
            await ExpectProblemAsync(app, HttpStatusCode.Forbidden, "FORBIDDEN");
        });
    }

    [Test]
    public async Task Should_audit_every_read_of_the_dispensings_refusals_included()
    {
        var (id, code) = await RegisterVisitAsync(1);
        await ReceiveAndDispenseAsync(id, code);

        await DispensingsAsync(id);
        await DispensingsAsync(id, Pharmacy);
        (await Api.GetAsync($"/v1/prescriptions/{id}/dispensings", DentalClinic)).Dispose();

        Assert.That((await AuditAsync(id)).Where(e => e.Item2 == "prescription.dispensings"), Is.EqualTo(new[]
        {
            (Clinic.Id, "prescription.dispensings"), (Pharmacy.Id, "prescription.dispensings"), (DentalClinic.Id, "prescription.dispensings"),
        }).AsCollection);
    }
}
