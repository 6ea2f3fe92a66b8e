using System.Net;
using System.Text.Json;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Pharmacies;

/// <summary>A pharmacy receives a prescription, dispenses it or gives it back, over the bus to the prescription server.</summary>
[TestFixtureSource(typeof(PharmacyScenario), nameof(Fixtures))]
public sealed class ReceiveAndDispenseTests(DatabaseProvider provider, BusTransport transport) : PharmacyScenario(provider, transport)
{
    [Test]
    public async Task Should_hand_over_the_signed_prescription_record_the_dispensing_and_publish_every_event()
    {
        var document = Rx.Document(issuedOn: TodayInJapan);
        var signature = Sign(document, Signed.Doctor);
        var registered = await RegisterAsync(Signed.Body(document, signature));
        var id = registered.GetProperty("prescriptionId").GetString()!;

        var received = await ReceivedAsync(id, registered.GetProperty("exchangeCode").GetString()!);

        Assert.Multiple(() =>
        {
            Assert.That(received.GetProperty("prescriptionId").GetString(), Is.EqualTo(id));
            Assert.That(received.GetProperty("status").GetString(), Is.EqualTo("received"));
            Assert.That(Convert.FromBase64String(received.GetProperty("document").GetString()!), Is.EqualTo(document), "the exact signed bytes");
            Assert.That(Convert.FromBase64String(received.GetProperty("signature").GetString()!), Is.EqualTo(signature));
            Assert.That(received.GetProperty("signatureDetached").GetBoolean(), Is.True);
            Assert.That(received.GetProperty("prescription").ValueKind, Is.EqualTo(JsonValueKind.Object));
            Assert.That(received.GetProperty("prescription").GetRawText(), Does.Contain("ロキソプロフェン"));
            Assert.That(received.GetProperty("verification").ValueKind, Is.EqualTo(JsonValueKind.Object));
            Assert.That(received.GetProperty("issuedOn").GetString(), Is.EqualTo(registered.GetProperty("issuedOn").GetString()));
            Assert.That(received.GetProperty("expiresOn").GetString(), Is.EqualTo(registered.GetProperty("expiresOn").GetString()));
        });

        using var dispensing = await DispenseAsync(id, DispensingBody());

        var dispensed = await ExpectAsync(dispensing, HttpStatusCode.OK);
        Assert.Multiple(() =>
        {
            Assert.That(dispensed.GetProperty("prescriptionId").GetString(), Is.EqualTo(id));
            Assert.That(dispensed.GetProperty("status").GetString(), Is.EqualTo("dispensed"));
            Assert.That(dispensed.GetProperty("dispensingId").GetString(), Is.Not.Empty);
            Assert.That(dispensed.GetProperty("dispensedOn").GetString(), Is.EqualTo(TodayInJapan.ToString("yyyy-MM-dd")));
            Assert.That(dispensed.GetProperty("substitutions").ValueKind, Is.EqualTo(JsonValueKind.Array));
        });
        var status = await StatusAsync(id);
        Assert.Multiple(() =>
        {
            Assert.That(status.GetProperty("status").GetString(), Is.EqualTo("dispensed"));
            Assert.That(Actions(status), Is.EqualTo(new[] { "register", "receive", "dispense" }));
            Assert.That(status.GetProperty("history").EnumerateArray().Skip(1).Select(h => h.GetProperty("clientId").GetString()),
                Is.All.EqualTo(Pharmacy.Id));
        });
        Assert.That(await Api.CountAsync("dispensings"), Is.EqualTo(1));
        Assert.That(await Api.CountAsync("outbox"), Is.EqualTo(3), "registered, received, dispensing recorded");
        await AssertEveryEventPublishedAsync();
    }

    [Test]
    public async Task Should_let_another_pharmacy_receive_a_prescription_the_first_returned()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        await ReceivedAsync(id, code);

        using var returned = await ReturnAsync(id);

        var answer = await ExpectAsync(returned, HttpStatusCode.OK);
        Assert.That(answer.GetProperty("status").GetString(), Is.EqualTo("registered"));
        var status = await StatusAsync(id);
        Assert.Multiple(() =>
        {
            Assert.That(status.GetProperty("status").GetString(), Is.EqualTo("registered"));
            Assert.That(status.GetProperty("holder").ValueKind, Is.EqualTo(JsonValueKind.Null));
        });

        var second = await ReceivedAsync(id, code, SecondPharmacy);

        Assert.That(second.GetProperty("status").GetString(), Is.EqualTo("received"));
        status = await StatusAsync(id);
        Assert.Multiple(() =>
        {
            Assert.That(Actions(status), Is.EqualTo(new[] { "register", "receive", "return", "receive" }));
            Assert.That(status.GetProperty("holder").GetProperty("institutionCode").GetString(), Is.EqualTo(SecondPharmacy.InstitutionCode));
        });
        await AssertEveryEventPublishedAsync();
    }
}
