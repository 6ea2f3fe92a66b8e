using System.Net;
using System.Text.Json;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests;

/// <summary>Every read and write of a prescription, refusals included, is in the audit log the operator reads.</summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class AuditTests(DatabaseProvider provider) : ApiScenario(provider)
{
    [Test]
    public async Task Should_list_who_did_what_to_a_prescription_with_the_outcome()
    {
        var id = await RegisteredIdAsync();
        (await Api.GetAsync($"/v1/prescriptions/{id}", Clinic)).Dispose();
        (await Api.GetAsync($"/v1/prescriptions/{id}", DentalClinic)).Dispose();
        (await Api.PostAsync($"/v1/prescriptions/{id}/cancel", Pharmacy)).Dispose();
        (await Api.PostAsync($"/v1/prescriptions/{id.ToLowerInvariant()}/cancel", Clinic)).Dispose();
        (await Api.PostAsync($"/v1/prescriptions/{id}/cancel", Clinic)).Dispose();
        (await Api.GetAsync($"/v1/prescriptions/{id}", null)).Dispose();

        using var response = await Api.GetAsync($"/v1/audit?prescriptionId={id.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant()}", Admin);

        var audit = await ExpectAsync(response, HttpStatusCode.OK);
        var entries = audit.GetProperty("entries").EnumerateArray().Select(Entry).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(audit.GetProperty("prescriptionId").GetString(), Is.EqualTo(id));
            Assert.That(entries, Is.EqualTo(new[]
            {
                (Clinic.Id, "clinic", "prescription.register", "OK", 201),
                (Clinic.Id, "clinic", "prescription.read", "OK", 200),
                (DentalClinic.Id, "clinic", "prescription.read", "PRESCRIPTION_NOT_FOUND", 404),
                (Pharmacy.Id, "pharmacy", "prescription.cancel", "FORBIDDEN", 403),
                (Clinic.Id, "clinic", "prescription.cancel", "OK", 200),
                (Clinic.Id, "clinic", "prescription.cancel", "CANCELLED", 409),
                ((string?)null, (string?)null, "prescription.read", "UNAUTHENTICATED", 401),
            }).AsCollection);
            Assert.That(audit.GetProperty("entries").EnumerateArray().All(e => e.GetProperty("correlationId").GetString() is { Length: > 0 }), Is.True);
        });
    }

    [Test]
    public async Task Should_record_a_refused_registration()
    {
        using var refused = await PostRegisterAsync(Signed.Detached(Rx.Document(), "revoked"));
        await ExpectProblemAsync(refused, HttpStatusCode.UnprocessableEntity, "CERTIFICATE_REVOKED");

        Assert.That(await Api.CountAsync("audit_log", "action = 'prescription.register' AND outcome = 'CERTIFICATE_REVOKED' AND status_code = 422 AND client_id = @id",
            new { id = Clinic.Id }), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_ask_for_the_prescription_id()
    {
        using var response = await Api.GetAsync("/v1/audit", Admin);

        await ExpectProblemAsync(response, HttpStatusCode.BadRequest, "REQUEST_INVALID");
    }

    private static (string?, string?, string?, string?, int) Entry(JsonElement e) => (
        e.GetProperty("clientId").GetString(), e.GetProperty("clientRole").GetString(), e.GetProperty("action").GetString(),
        e.GetProperty("outcome").GetString(), e.GetProperty("statusCode").GetInt32());
}
