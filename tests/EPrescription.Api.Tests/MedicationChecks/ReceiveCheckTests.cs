using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EPrescription.Api.Tests.Pharmacies;
using EPrescription.Server.Storage;
using EPrescription.Signatures.Signing;

namespace EPrescription.Api.Tests.MedicationChecks;

/// <summary>
/// The pharmacy receiving a prescription learns what the patient already takes of the same ingredient by the same route
/// (SPEC §10): the receive answer carries <c>duplicateMedication</c>, with the drug and institution only with consent; a
/// dispensing counts from its own date once recorded, and a cancelled prescription stops counting.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class ReceiveCheckTests(DatabaseProvider provider) : MedicationScenario(provider)
{
    private async Task<JsonElement> ReceivedAsync(JsonElement registered, string? consent = null)
    {
        using var response = await Api.PostAsync($"/v1/prescriptions/{registered.GetProperty("prescriptionId").GetString()}/receive", Pharmacy,
            JsonContent.Create(new { exchangeCode = registered.GetProperty("exchangeCode").GetString(), consent }));
        return await ExpectAsync(response, HttpStatusCode.OK);
    }

    private async Task DispenseAsync(JsonElement registered)
    {
        var document = Dispensings.Document(Rx.TodayInJapan);
        var signature = new CmsSigner().Sign(document, Signed.Key(Dispensings.Pharmacist),
            new SigningOptions { Detached = true, SigningTime = Api.Clock.GetUtcNow() });
        using var response = await Api.PostAsync($"/v1/prescriptions/{registered.GetProperty("prescriptionId").GetString()}/dispensing", Pharmacy,
            JsonContent.Create(Signed.Body(document, signature)));
        await ExpectAsync(response, HttpStatusCode.OK);
    }

    [Test]
    public async Task Should_tell_the_receiving_pharmacy_of_the_patients_other_prescription_and_name_it_only_with_consent()
    {
        await RegisterVisitAsync(Visit(1));
        var second = await RegisterVisitAsync(Visit(2));

        var withoutConsent = await ReceivedAsync(second);
        var duplicates = Duplicates(withoutConsent);
        Assert.Multiple(() =>
        {
            Assert.That(duplicates.Select(Drug), Is.EqualTo(BasicSampleDrugs));
            Assert.That(duplicates.Select(Members), Is.All.EqualTo(new[] { "rp", "drug", "ingredient", "route", "takingUntil", "source", "sameInstitution" }));
            Assert.That(duplicates.Select(d => d.GetProperty("source").GetString()), Is.All.EqualTo("prescription"));
        });

        // The same pharmacy asking again with the patient's consent (口頭同意) sees the drug and its institution.
        var withConsent = await ReceivedAsync(second, consent: "verbal");
        Assert.That(Duplicates(withConsent)[0].GetProperty("drugName").GetString(), Is.EqualTo("【般】ロキソプロフェンＮａ錠６０ｍｇ"));
        var audit = await AuditAsync(second.GetProperty("prescriptionId").GetString()!);
        Assert.That(audit.Where(e => e.GetProperty("action").GetString() == "prescription.receive").Select(e => e.GetProperty("detail").GetString()),
            Is.EqualTo(new[] { "consent=none; duplicates=3", "consent=verbal; duplicates=3" }));
    }

    [Test]
    public async Task Should_count_a_dispensing_from_its_own_date_and_stop_counting_a_cancelled_prescription()
    {
        var first = await RegisterVisitAsync(Visit(1));
        await ReceivedAsync(first);
        await DispenseAsync(first);
        var cancelledOne = await RegisterVisitAsync(Visit(2));
        using (var cancel = await Api.PostAsync($"/v1/prescriptions/{cancelledOne.GetProperty("prescriptionId").GetString()}/cancel", Clinic))
            await ExpectAsync(cancel, HttpStatusCode.OK);

        var third = await RegisterVisitAsync(Visit(3));
        var duplicates = Duplicates(await ReceivedAsync(third));
        Assert.Multiple(() =>
        {
            Assert.That(duplicates, Is.Not.Empty);
            Assert.That(duplicates.Select(d => d.GetProperty("source").GetString()), Is.All.EqualTo("dispensing"),
                "the first prescription counts through its dispensing; the cancelled one not at all");
        });
    }
}
