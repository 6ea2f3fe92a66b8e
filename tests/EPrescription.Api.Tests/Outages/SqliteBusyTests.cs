using System.Net;
using EPrescription.Server.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;

namespace EPrescription.Api.Tests.Outages;

/// <summary>
/// Embedded mode: another process holds SQLite's write lock longer than the service waits for it (its busy timeout). The
/// request is answered 503 SERVICE_UNAVAILABLE with Retry-After, changes nothing, and succeeds once sent again.
/// </summary>
[NonParallelizable]
public sealed class SqliteBusyTests
{
    [Test]
    public async Task Should_answer_503_with_Retry_After_while_another_process_holds_the_write_lock()
    {
        // The service waits out SQLite's busy timeout (10 s); its driver would retry a busy statement until its command timeout
        // (30 s by default) on top, which only makes this test slow.
        await using var api = await ApiFixture.StartInstanceAsync(DatabaseProvider.Sqlite, "_busy", reset: true, configure: builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Database:ConnectionString"] = new SqliteConnectionStringBuilder(builder.Configuration["Database:ConnectionString"]) { DefaultTimeout = 1 }.ConnectionString,
            }));
        var body = Signed.Detached(Rx.Document());

        HttpResponseMessage refused;
        await using (var other = new SqliteConnection(api.Database.ConnectionString))
        {
            await other.OpenAsync();
            await using var writeLock = other.BeginTransaction(deferred: false);
            refused = await api.PostAsync("/v1/prescriptions", Server.Clients.DevClients.Clinic, System.Net.Http.Json.JsonContent.Create(body));
        }

        using (refused)
        {
            var text = await refused.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), text);
                Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), text);
                Assert.That(text, Does.Contain("\"code\":\"SERVICE_UNAVAILABLE\""));
                Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero), "Retry-After");
            });
        }
        await api.AssertNothingStoredAsync();

        using var retried = await api.PostAsync("/v1/prescriptions", Server.Clients.DevClients.Clinic, System.Net.Http.Json.JsonContent.Create(body));
        Assert.That(retried.StatusCode, Is.EqualTo(HttpStatusCode.Created), await retried.Content.ReadAsStringAsync());
    }
}
