using System.Net;
using System.Text.Json;
using EPrescription.Contracts;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace EPrescription.Api.Tests.Pharmacies;

/// <summary>
/// Every pharmacy request is in the audit log exactly once, and a change's entry is written by the prescription server in the
/// change's own transaction (SPEC §9): it exists even for a command that came over the bus without the HTTP edge, and a
/// redelivered command adds none.
/// </summary>
[TestFixtureSource(typeof(PharmacyScenario), nameof(Fixtures))]
public sealed class PharmacyAuditTests(DatabaseProvider provider, BusTransport transport) : PharmacyScenario(provider, transport)
{
    [Test]
    public async Task Should_audit_each_pharmacy_request_once_with_its_outcome()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        (await ReceiveAsync(id, code == "000000" ? "111111" : "000000")).Dispose();
        await ReceivedAsync(id, code);
        var body = DispensingBody();
        (await DispenseAsync(id, body)).Dispose();
        (await DispenseAsync(id, body)).Dispose();
        (await ReturnAsync(id, SecondPharmacy)).Dispose();

        var entries = await AuditAsync(id);

        Assert.That(entries, Is.EqualTo(new[]
        {
            (Clinic.Id, "clinic", "prescription.register", "OK", 201),
            (Pharmacy.Id, "pharmacy", "prescription.receive", "PRESCRIPTION_NOT_FOUND", 404),
            (Pharmacy.Id, "pharmacy", "prescription.receive", "OK", 200),
            (Pharmacy.Id, "pharmacy", "prescription.dispense", "OK", 200),
            (Pharmacy.Id, "pharmacy", "prescription.dispense", "OK", 200),
            (SecondPharmacy.Id, "pharmacy", "prescription.return", "PRESCRIPTION_NOT_FOUND", 404),
        }).AsCollection);
    }

    [Test]
    public async Task Should_audit_a_receive_sent_over_the_bus_in_its_transaction_and_only_once_when_redelivered()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        using var scope = Api.App.Services.CreateScope();
        var requests = scope.ServiceProvider.GetRequiredService<IRequestClient<ReceivePrescription>>();
        var command = new ReceivePrescription(NewId.NextGuid(), Guid.NewGuid(), id, code, Pharmacy.Id);

        var first = await requests.GetResponse<PrescriptionHandedOver, PrescriptionRequestRefused>(command);
        var redelivered = await requests.GetResponse<PrescriptionHandedOver, PrescriptionRequestRefused>(command);

        Assert.Multiple(async () =>
        {
            Assert.That(first.Is(out Response<PrescriptionHandedOver>? _), Is.True);
            Assert.That(redelivered.Is(out Response<PrescriptionHandedOver>? _), Is.True);
            Assert.That((await AuditAsync(id)).Where(e => e.Action == "prescription.receive"), Is.EqualTo(new[]
            {
                (Pharmacy.Id, "pharmacy", "prescription.receive", "OK", 200),
            }).AsCollection);
            Assert.That(await Api.CountAsync("audit_log", "correlation_id = @c", new { c = command.CorrelationId.ToString() }), Is.EqualTo(1));
        });
    }

    private async Task<List<(string? ClientId, string? Role, string? Action, string? Outcome, int Status)>> AuditAsync(string id)
    {
        using var response = await Api.GetAsync($"/v1/audit?prescriptionId={id}", Admin);
        var audit = await ExpectAsync(response, HttpStatusCode.OK);
        return audit.GetProperty("entries").EnumerateArray().Select(Entry).ToList();
    }

    private static (string?, string?, string?, string?, int) Entry(JsonElement e) => (
        e.GetProperty("clientId").GetString(), e.GetProperty("clientRole").GetString(), e.GetProperty("action").GetString(),
        e.GetProperty("outcome").GetString(), e.GetProperty("statusCode").GetInt32());
}
