using System.Net;
using System.Net.Http.Json;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Pharmacies;

/// <summary>
/// A pharmacy system whose answer was lost (a timeout, a 503, a dropped connection) sends the same request again. A retry that
/// already took effect answers as the first time did (SPEC §4), and changes nothing more.
/// </summary>
[TestFixtureSource(typeof(PharmacyScenario), nameof(Fixtures))]
public sealed class RetriedRequestTests(DatabaseProvider provider, BusTransport transport) : PharmacyScenario(provider, transport)
{
    [Test]
    public async Task Should_answer_a_retried_dispensing_with_the_first_answer()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        await ReceivedAsync(id, code);
        var body = DispensingBody();
        using var firstResponse = await DispenseAsync(id, body);
        var first = await ExpectAsync(firstResponse, HttpStatusCode.OK);

        using var retried = await DispenseAsync(id, body);

        var again = await ExpectAsync(retried, HttpStatusCode.OK);
        Assert.Multiple(async () =>
        {
            Assert.That(again.GetProperty("dispensingId").GetString(), Is.EqualTo(first.GetProperty("dispensingId").GetString()));
            Assert.That(again.GetProperty("prescriptionId").GetString(), Is.EqualTo(id));
            Assert.That(again.GetProperty("status").GetString(), Is.EqualTo("dispensed"));
            Assert.That(again.GetProperty("dispensedOn").GetString(), Is.EqualTo(first.GetProperty("dispensedOn").GetString()));
            Assert.That(again.GetProperty("pharmacist").GetString(), Is.EqualTo(first.GetProperty("pharmacist").GetString()));
            Assert.That(again.GetProperty("substitutions").GetRawText(), Is.EqualTo(first.GetProperty("substitutions").GetRawText()));
            Assert.That(await Api.CountAsync("dispensings"), Is.EqualTo(1), "the retry recorded nothing");
            Assert.That(await Api.CountAsync("outbox"), Is.EqualTo(3), "registered, received, one dispensing recorded");
            Assert.That(Actions(await StatusAsync(id)), Is.EqualTo(new[] { "register", "receive", "dispense" }));
        });
    }

    [Test]
    public async Task Should_answer_a_retried_encapsulated_dispensing_with_the_first_answer()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        await ReceivedAsync(id, code);
        var body = new { signedDocument = Convert.ToBase64String(Signed.Encapsulated(Dispensings.Document(TodayInJapan), Dispensings.Pharmacist)) };
        using var firstResponse = await Api.PostAsync($"/v1/prescriptions/{id}/dispensing", Pharmacy, JsonContent.Create(body));
        var first = await ExpectAsync(firstResponse, HttpStatusCode.OK);

        using var retried = await Api.PostAsync($"/v1/prescriptions/{id}/dispensing", Pharmacy, JsonContent.Create(body));

        var again = await ExpectAsync(retried, HttpStatusCode.OK);
        Assert.That(again.GetProperty("dispensingId").GetString(), Is.EqualTo(first.GetProperty("dispensingId").GetString()));
        Assert.That(await Api.CountAsync("dispensings"), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_refuse_the_same_dispensing_from_another_pharmacy()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        await ReceivedAsync(id, code);
        var body = DispensingBody();
        using (var first = await DispenseAsync(id, body)) await ExpectAsync(first, HttpStatusCode.OK);

        using var other = await DispenseAsync(id, body, SecondPharmacy);

        // Only the holder sees the prescription; to anyone else it does not exist.
        await ExpectProblemAsync(other, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
    }

    [Test]
    public async Task Should_answer_a_retried_receive_with_the_first_answer()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        var first = await ReceivedAsync(id, code);

        var again = await ReceivedAsync(id, code);

        Assert.Multiple(async () =>
        {
            Assert.That(again.GetRawText(), Is.EqualTo(first.GetRawText()));
            Assert.That(Actions(await StatusAsync(id)), Is.EqualTo(new[] { "register", "receive" }));
            Assert.That(await Api.CountAsync("outbox"), Is.EqualTo(2), "registered, received once");
        });
    }
}
