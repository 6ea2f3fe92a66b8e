using System.Net;
using System.Text.Json;
using EPrescription.Contracts;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace EPrescription.Api.Tests.Pharmacies;

/// <summary>
/// The bus delivers at least once: a pharmacy system (or a redelivery) sending the same command twice, with the same MessageId,
/// gets the same reply twice and the effect once.
/// </summary>
[TestFixtureSource(typeof(PharmacyScenario), nameof(Fixtures))]
public sealed class DuplicateDeliveryTests(DatabaseProvider provider, BusTransport transport) : PharmacyScenario(provider, transport)
{
    [Test]
    public async Task Should_receive_once_when_the_same_receive_arrives_twice()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        var command = new ReceivePrescription(NewId.NextGuid(), NewId.NextGuid(), id, code, Pharmacy.Id);

        var first = await RequestAsync<ReceivePrescription, PrescriptionHandedOver>(command);
        var second = await RequestAsync<ReceivePrescription, PrescriptionHandedOver>(command);

        Assert.That(Json(second), Is.EqualTo(Json(first)));
        Assert.That(first, Is.InstanceOf<PrescriptionHandedOver>());
        Assert.That(await Api.CountAsync("prescription_history", "action = 'receive'"), Is.EqualTo(1));
        Assert.That(await Api.CountAsync("outbox", "message_type LIKE '%PrescriptionReceived'"), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_return_once_when_the_same_return_arrives_twice()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        await ReceivedAsync(id, code);
        var command = new ReturnPrescription(NewId.NextGuid(), NewId.NextGuid(), id, Pharmacy.Id);

        var first = await RequestAsync<ReturnPrescription, PrescriptionStatusChanged>(command);
        var second = await RequestAsync<ReturnPrescription, PrescriptionStatusChanged>(command);

        Assert.That(Json(second), Is.EqualTo(Json(first)));
        Assert.That(first, Is.InstanceOf<PrescriptionStatusChanged>());
        Assert.That(Actions(await StatusAsync(id)), Is.EqualTo(new[] { "register", "receive", "return" }));
        Assert.That(await Api.CountAsync("outbox", "message_type LIKE '%PrescriptionReturned'"), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_record_one_dispensing_when_the_same_dispensing_arrives_twice()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        await ReceivedAsync(id, code);
        var document = Dispensings.Document(TodayInJapan);
        var command = new RecordDispensing(NewId.NextGuid(), NewId.NextGuid(), id, Pharmacy.Id, document, Sign(document, Dispensings.Pharmacist), true, null);

        var first = await RequestAsync<RecordDispensing, DispensingAccepted>(command);
        var second = await RequestAsync<RecordDispensing, DispensingAccepted>(command);

        Assert.That(Json(second), Is.EqualTo(Json(first)));
        Assert.That(first, Is.InstanceOf<DispensingAccepted>());
        Assert.That(await Api.CountAsync("dispensings"), Is.EqualTo(1));
        Assert.That(Actions(await StatusAsync(id)), Is.EqualTo(new[] { "register", "receive", "dispense" }));
        Assert.That(await Api.CountAsync("outbox", "message_type LIKE '%DispensingRecorded'"), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_count_a_wrong_exchange_code_once_when_it_arrives_twice()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        var wrong = code == "000000" ? "000001" : "000000";
        var command = new ReceivePrescription(NewId.NextGuid(), NewId.NextGuid(), id, wrong, Pharmacy.Id);

        var first = await RequestAsync<ReceivePrescription, PrescriptionHandedOver>(command);
        var second = await RequestAsync<ReceivePrescription, PrescriptionHandedOver>(command);

        Assert.That(Json(second), Is.EqualTo(Json(first)));
        Assert.That(((PrescriptionRequestRefused)first).Code, Is.EqualTo("PRESCRIPTION_NOT_FOUND"));
        // Three more wrong codes make four counted: one short of the lockout, so the right code still works.
        for (var i = 0; i < 3; i++)
        {
            using var response = await ReceiveAsync(id, wrong);
            await ExpectProblemAsync(response, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
        }
        await ReceivedAsync(id, code);
    }

    /// <summary>Sends the command straight to the bus, as a pharmacy system may; returns the reply or the refusal.</summary>
    private async Task<object> RequestAsync<TCommand, TReply>(TCommand command) where TCommand : class where TReply : class
    {
        using var scope = Api.App.Services.CreateScope();
        var client = scope.ServiceProvider.GetRequiredService<IRequestClient<TCommand>>();
        var response = await client.GetResponse<TReply, PrescriptionRequestRefused>(command);
        if (response.Is(out Response<TReply>? reply)) return reply!.Message;
        response.Is(out Response<PrescriptionRequestRefused>? refused);
        return refused!.Message;
    }

    private static string Json(object reply) => reply.GetType().Name + JsonSerializer.Serialize(reply, reply.GetType());
}
