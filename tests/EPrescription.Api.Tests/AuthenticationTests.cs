using System.Net;
using System.Net.Http.Headers;
using EPrescription.Server.Clients;
using EPrescription.Server.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace EPrescription.Api.Tests;

/// <summary>Every /v1 request needs a live key of a client whose role the endpoint admits.</summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class AuthenticationTests(DatabaseProvider provider) : ApiScenario(provider)
{
    [Test]
    public async Task Should_refuse_a_request_without_a_key()
    {
        using var response = await Api.PostAsync("/v1/prescriptions", null, System.Net.Http.Json.JsonContent.Create(Signed.Detached(Rx.Document())));

        await ExpectUnauthenticatedAsync(response);
        await Api.AssertNothingStoredAsync();
    }

    [TestCase("Bearer eprx_not_a_key_of_anyone")]
    [TestCase("Bearer ")]
    [TestCase("Basic dXNlcjpwYXNz")]
    [TestCase("eprx_dev_clinic_development-only")]
    public async Task Should_refuse_a_request_with_a_wrong_key(string authorization)
    {
        var request = Api.Request(HttpMethod.Post, "/v1/prescriptions", null, System.Net.Http.Json.JsonContent.Create(Signed.Detached(Rx.Document())));
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await Api.SendAsync(request);

        await ExpectUnauthenticatedAsync(response);
        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_refuse_a_revoked_key_at_once()
    {
        var id = await RegisteredIdAsync();
        Assert.That(await Api.App.Services.GetRequiredService<ClientStore>().RevokeAsync(Clinic.Id), Is.True);

        using var read = await Api.GetAsync($"/v1/prescriptions/{id}", Clinic);
        await ExpectUnauthenticatedAsync(read);
        using var register = await PostRegisterAsync(Signed.Detached(Rx.Document("rx_jahis10_03_split_instruction.txt")));
        await ExpectUnauthenticatedAsync(register);

        Assert.That(await Api.CountAsync("prescriptions"), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_refuse_a_key_revoked_by_another_process_once_the_key_cache_lifetime_has_passed()
    {
        // The clock stands still, so the key this process found in the database stays as recent as it was.
        Api.Clock.Set(DateTimeOffset.UtcNow);
        var id = await RegisteredIdAsync();
        // Another process on the same database, as `eprx clients revoke` or a second API node is.
        Assert.That(await new ClientStore(Api.Database, TimeProvider.System).RevokeAsync(Clinic.Id), Is.True);

        // Within the lifetime this process still takes the key: the documented price of not reading it on every request.
        using (var meanwhile = await Api.GetAsync($"/v1/prescriptions/{id}", Clinic))
            await ExpectAsync(meanwhile, HttpStatusCode.OK);
        Api.Clock.Advance(ClientStore.DefaultKeyCacheLifetime);

        using var read = await Api.GetAsync($"/v1/prescriptions/{id}", Clinic);
        await ExpectUnauthenticatedAsync(read);
        using var register = await PostRegisterAsync(Signed.Detached(Rx.Document("rx_jahis10_03_split_instruction.txt")));
        await ExpectUnauthenticatedAsync(register);
        Assert.That(await Api.CountAsync("prescriptions"), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_forbid_registering_to_a_pharmacy_and_a_notebook_app()
    {
        foreach (var client in new[] { Pharmacy, NotebookApp, Admin })
        {
            using var response = await PostRegisterAsync(Signed.Detached(Rx.Document()), client);
            await ExpectProblemAsync(response, HttpStatusCode.Forbidden, "FORBIDDEN");
        }
        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_forbid_cancelling_to_a_pharmacy_and_a_notebook_app()
    {
        var id = await RegisteredIdAsync();

        foreach (var client in new[] { Pharmacy, NotebookApp })
        {
            using var response = await Api.PostAsync($"/v1/prescriptions/{id}/cancel", client);
            await ExpectProblemAsync(response, HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        using var status = await Api.GetAsync($"/v1/prescriptions/{id}", Clinic);
        Assert.That((await ExpectAsync(status, HttpStatusCode.OK)).GetProperty("status").GetString(), Is.EqualTo("registered"));
    }

    [Test]
    public async Task Should_forbid_the_audit_log_to_anyone_but_an_admin()
    {
        var id = await RegisteredIdAsync();

        foreach (var client in new[] { Clinic, Pharmacy, NotebookApp })
        {
            using var response = await Api.GetAsync($"/v1/audit?prescriptionId={id}", client);
            await ExpectProblemAsync(response, HttpStatusCode.Forbidden, "FORBIDDEN");
        }
        using var anonymous = await Api.GetAsync($"/v1/audit?prescriptionId={id}", null);
        await ExpectUnauthenticatedAsync(anonymous);
    }

    private static async Task ExpectUnauthenticatedAsync(HttpResponseMessage response)
    {
        await ExpectProblemAsync(response, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        Assert.That(response.Headers.WwwAuthenticate.Select(h => h.Scheme), Does.Contain("Bearer"));
    }
}
