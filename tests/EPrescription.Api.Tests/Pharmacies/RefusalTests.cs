using System.Net;
using System.Text.Json;
using EPrescription.Formats.Reading;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Pharmacies;

/// <summary>What a pharmacy may not do, refused with the code that says why, and changing nothing.</summary>
[TestFixtureSource(typeof(PharmacyScenario), nameof(Fixtures))]
public sealed class RefusalTests(DatabaseProvider provider, BusTransport transport) : PharmacyScenario(provider, transport)
{
    [Test]
    public async Task Should_refuse_a_cancel_while_a_pharmacy_holds_it_naming_the_pharmacy()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        await ReceivedAsync(id, code);

        using var response = await Api.PostAsync($"/v1/prescriptions/{id}/cancel", Clinic);

        var problem = await ExpectProblemAsync(response, HttpStatusCode.Conflict, "WITH_PHARMACY");
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("holder").GetProperty("name").GetString(), Is.EqualTo(Pharmacy.Name));
            Assert.That(problem.GetProperty("holder").GetProperty("institutionCode").GetString(), Is.EqualTo(Pharmacy.InstitutionCode));
        });
        await AssertUnchangedAsync(id, "received", "register", "receive");
    }

    [Test]
    public async Task Should_not_let_a_pharmacy_that_does_not_hold_it_dispense_or_return_it()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        await ReceivedAsync(id, code);

        using (var dispense = await DispenseAsync(id, DispensingBody(), SecondPharmacy))
            await ExpectProblemAsync(dispense, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
        using (var giveBack = await ReturnAsync(id, SecondPharmacy))
            await ExpectProblemAsync(giveBack, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");

        await AssertUnchangedAsync(id, "received", "register", "receive");
    }

    [Test]
    public async Task Should_refuse_to_hand_over_a_cancelled_prescription()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        using (var cancel = await Api.PostAsync($"/v1/prescriptions/{id}/cancel", Clinic))
            await ExpectAsync(cancel, HttpStatusCode.OK);

        using var response = await ReceiveAsync(id, code);

        await ExpectProblemAsync(response, HttpStatusCode.Conflict, "CANCELLED");
        await AssertUnchangedAsync(id, "cancelled", "register", "cancel");
    }

    [Test]
    public async Task Should_refuse_a_second_dispensing()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        await ReceivedAsync(id, code);
        using (var first = await DispenseAsync(id, DispensingBody()))
            await ExpectAsync(first, HttpStatusCode.OK);

        // Another dispensing result (not the first one sent again, which would be a retry and get the first answer).
        using var second = await DispenseAsync(id, DispensingBody(records => records.Select(r => r.Number == "501" ? Rx.With(r, (1, "二度目の報告")) : r).ToList()));

        await ExpectProblemAsync(second, HttpStatusCode.Conflict, "ALREADY_DISPENSED");
        await AssertUnchangedAsync(id, "dispensed", "register", "receive", "dispense");
        Assert.That(await Api.CountAsync("dispensings"), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_list_every_difference_between_the_dispensing_and_the_prescription()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        await ReceivedAsync(id, code);
        var body = DispensingBody(records => records.Select(r => r.Number switch
        {
            "1" => Rx.With(r, (1, "別人 次郎")),
            "11" => Rx.With(r, (4, "7654321")),
            "51" => Rx.With(r, (4, "7777777")),
            "201" when r.Field(1) == "2" => Rx.With(r, (1, "9")),
            "281" or "301" or "391" when r.Field(1) == "2" => Rx.With(r, (1, "9")),
            _ => r,
        }).ToList());

        using var response = await DispenseAsync(id, body);

        var problem = await ExpectProblemAsync(response, HttpStatusCode.UnprocessableEntity, "DISPENSING_MISMATCH");
        var errors = problem.GetProperty("errors").EnumerateArray().ToList();
        Assert.That(errors.Select(e => e.GetProperty("record").GetString()), Is.EquivalentTo(new[] { "1", "11", "51", "201" }), problem.GetRawText());
        Assert.That(errors.Select(e => e.GetProperty("message").GetString()), Has.All.Not.Empty);
        await AssertUnchangedAsync(id, "received", "register", "receive");
    }

    [Test]
    public async Task Should_refuse_a_dispensing_signed_by_a_doctor()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        await ReceivedAsync(id, code);

        using var response = await DispenseAsync(id, DispensingBody(signer: Signed.Doctor));

        await ExpectProblemAsync(response, HttpStatusCode.UnprocessableEntity, "SIGNER_NOT_QUALIFIED");
        await AssertUnchangedAsync(id, "received", "register", "receive");
    }

    [Test]
    public async Task Should_refuse_a_prescription_sent_as_the_dispensing_result()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        await ReceivedAsync(id, code);
        var prescription = Rx.Document(issuedOn: TodayInJapan);

        using var response = await DispenseAsync(id, Signed.Body(prescription, Sign(prescription, Dispensings.Pharmacist)));

        var problem = await ExpectProblemAsync(response, HttpStatusCode.UnprocessableEntity, "DOCUMENT_INVALID");
        Assert.That(problem.GetProperty("errors").GetArrayLength(), Is.GreaterThan(0));
        await AssertUnchangedAsync(id, "received", "register", "receive");
    }

    /// <summary>The prescription is where it was: same status, same history, no dispensing, no event beyond those of its history.</summary>
    private async Task AssertUnchangedAsync(string id, string status, params string[] history)
    {
        var current = await StatusAsync(id);
        Assert.Multiple(async () =>
        {
            Assert.That(current.GetProperty("status").GetString(), Is.EqualTo(status));
            Assert.That(Actions(current), Is.EqualTo(history));
            if (status != "dispensed") Assert.That(await Api.CountAsync("dispensings"), Is.Zero);
            Assert.That(await Api.CountAsync("outbox"), Is.EqualTo(history.Length), "one event per transition");
        });
    }
}
