using System.Net;
using System.Text.Json;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests;

/// <summary>The issuing clinic follows its prescription and cancels it; nobody else sees that it exists.</summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class StatusAndCancelTests(DatabaseProvider provider) : ApiScenario(provider)
{
    [Test]
    public async Task Should_show_the_issuing_clinic_status_history_and_exchange_code()
    {
        var registered = await RegisterAsync();
        var id = registered.GetProperty("prescriptionId").GetString()!;

        using var response = await Api.GetAsync($"/v1/prescriptions/{id}", Clinic);

        var status = await ExpectAsync(response, HttpStatusCode.OK);
        var history = status.GetProperty("history").EnumerateArray().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(status.GetProperty("prescriptionId").GetString(), Is.EqualTo(id));
            Assert.That(status.GetProperty("status").GetString(), Is.EqualTo("registered"));
            Assert.That(status.GetProperty("institutionCode").GetString(), Is.EqualTo(Clinic.InstitutionCode));
            Assert.That(status.GetProperty("exchangeCode").GetString(), Is.EqualTo(registered.GetProperty("exchangeCode").GetString()));
            Assert.That(status.GetProperty("issuedOn").GetString(), Is.EqualTo(registered.GetProperty("issuedOn").GetString()));
            Assert.That(status.GetProperty("expiresOn").GetString(), Is.EqualTo(registered.GetProperty("expiresOn").GetString()));
            Assert.That(status.GetProperty("holder").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(history.Select(h => h.GetProperty("action").GetString()), Is.EqualTo(new[] { "register" }));
            Assert.That(history[0].GetProperty("toStatus").GetString(), Is.EqualTo("registered"));
            Assert.That(history[0].GetProperty("clientId").GetString(), Is.EqualTo(Clinic.Id));
        });
    }

    [Test]
    public async Task Should_accept_the_id_in_any_letter_case_with_or_without_hyphens()
    {
        var id = await RegisteredIdAsync();

        foreach (var form in new[] { id.ToLowerInvariant(), id.Replace("-", "", StringComparison.Ordinal), id.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant() })
        {
            using var response = await Api.GetAsync($"/v1/prescriptions/{form}", Clinic);
            var status = await ExpectAsync(response, HttpStatusCode.OK);
            Assert.That(status.GetProperty("prescriptionId").GetString(), Is.EqualTo(id), form);
        }
    }

    [Test]
    public async Task Should_not_show_a_prescription_to_another_clinic_or_a_pharmacy_that_does_not_hold_it()
    {
        var id = await RegisteredIdAsync();

        foreach (var client in new[] { DentalClinic, Pharmacy })
        {
            using var response = await Api.GetAsync($"/v1/prescriptions/{id}", client);
            var problem = await ExpectProblemAsync(response, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
            Assert.That(problem.GetRawText(), Does.Not.Contain("exchangeCode"));
        }
    }

    [TestCase("7KQM4R-X9TB3H-PWC2DF")]
    [TestCase("not-an-id")]
    [TestCase("0000000000000000000000000000000000000000000000000000000000000000000000000000")]
    [TestCase("%E8%A9%A6%E9%A8%93")]
    public async Task Should_answer_not_found_for_an_unknown_or_malformed_id(string id)
    {
        await RegisteredIdAsync();

        using var read = await Api.GetAsync($"/v1/prescriptions/{id}", Clinic);
        await ExpectProblemAsync(read, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
        using var cancel = await Api.PostAsync($"/v1/prescriptions/{id}/cancel", Clinic);
        await ExpectProblemAsync(cancel, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
    }

    [Test]
    public async Task Should_answer_not_found_for_an_id_with_a_wrong_check_character()
    {
        var id = await RegisteredIdAsync();
        var wrong = id[..^1] + (id[^1] == '2' ? '3' : '2');

        using var response = await Api.GetAsync($"/v1/prescriptions/{wrong}", Clinic);

        await ExpectProblemAsync(response, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
    }

    [Test]
    public async Task Should_cancel_a_registered_prescription()
    {
        var id = await RegisteredIdAsync();

        using var cancel = await Api.PostAsync($"/v1/prescriptions/{id.ToLowerInvariant()}/cancel", Clinic);

        var cancelled = await ExpectAsync(cancel, HttpStatusCode.OK);
        using var read = await Api.GetAsync($"/v1/prescriptions/{id}", Clinic);
        var status = await ExpectAsync(read, HttpStatusCode.OK);
        var canonical = id.Replace("-", "", StringComparison.Ordinal);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(cancelled.GetProperty("prescriptionId").GetString(), Is.EqualTo(id));
            Assert.That(cancelled.GetProperty("status").GetString(), Is.EqualTo("cancelled"));
            Assert.That(status.GetProperty("status").GetString(), Is.EqualTo("cancelled"));
            Assert.That(status.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()), Is.EqualTo(new[] { "register", "cancel" }));
            Assert.That(status.GetProperty("history")[1].GetProperty("fromStatus").GetString(), Is.EqualTo("registered"));
            Assert.That(await Api.CountAsync("outbox", "message_type LIKE '%PrescriptionRegistered'"), Is.EqualTo(1));
            Assert.That(await Api.CountAsync("outbox", "message_type LIKE '%PrescriptionCancelled'"), Is.EqualTo(1));
            Assert.That(await Api.CountAsync("outbox", "payload LIKE @id", new { id = $"%{id}%" }), Is.EqualTo(2), "both events name the prescription");
            Assert.That(await Api.CountAsync("prescription_history", "prescription_id = @canonical", new { canonical }), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Should_refuse_a_second_cancel_and_change_nothing()
    {
        var id = await RegisteredIdAsync();
        using var first = await Api.PostAsync($"/v1/prescriptions/{id}/cancel", Clinic);
        await ExpectAsync(first, HttpStatusCode.OK);

        using var second = await Api.PostAsync($"/v1/prescriptions/{id}/cancel", Clinic);

        await ExpectProblemAsync(second, HttpStatusCode.Conflict, "CANCELLED");
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Api.CountAsync("prescription_history"), Is.EqualTo(2));
            Assert.That(await Api.CountAsync("outbox"), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Should_not_let_another_clinic_cancel()
    {
        var id = await RegisteredIdAsync();

        using var response = await Api.PostAsync($"/v1/prescriptions/{id}/cancel", DentalClinic);

        await ExpectProblemAsync(response, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
        using var read = await Api.GetAsync($"/v1/prescriptions/{id}", Clinic);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That((await ExpectAsync(read, HttpStatusCode.OK)).GetProperty("status").GetString(), Is.EqualTo("registered"));
            Assert.That(await Api.CountAsync("outbox"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Should_cancel_once_when_the_clinic_sends_five_cancels_at_once()
    {
        var id = await RegisteredIdAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Api.PostAsync($"/v1/prescriptions/{id}/cancel", Clinic)));

        var refusals = new List<string>();
        foreach (var response in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            using (response) refusals.Add((await ExpectProblemAsync(response, HttpStatusCode.Conflict, "CANCELLED")).GetProperty("code").GetString()!);
        }
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(refusals, Has.Count.EqualTo(4), "exactly one cancel succeeds");
            Assert.That(await Api.CountAsync("prescription_history", "action = 'cancel'"), Is.EqualTo(1));
            Assert.That(await Api.CountAsync("outbox", "message_type LIKE '%PrescriptionCancelled'"), Is.EqualTo(1));
        });
    }
}
