using System.Net;
using System.Text.Json;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Pharmacies;

/// <summary>
/// Time on the service's clock: a prescription is valid through the issue date + 3 days in Japan time, and five wrong exchange
/// codes lock receiving for 15 minutes.
/// </summary>
[TestFixtureSource(typeof(PharmacyScenario), nameof(Fixtures))]
public sealed class ValidityAndLockoutTests(DatabaseProvider provider, BusTransport transport) : PharmacyScenario(provider, transport)
{
    private static readonly TimeSpan Japan = TimeSpan.FromHours(9);

    [Test]
    public async Task Should_hand_over_until_the_last_second_of_the_third_day_after_issue_in_Japan_and_expire_at_midnight()
    {
        Api.Clock.Set(DateTimeOffset.UtcNow);
        var issuedOn = TodayInJapan;
        var (last, lastCode) = await RegisterPrescriptionAsync();
        var (late, lateCode) = await RegisterPrescriptionAsync(PrescriptionForVisit(2));

        Api.Clock.Set(new DateTimeOffset(issuedOn.AddDays(3).ToDateTime(new TimeOnly(23, 59, 59)), Japan));
        var received = await ReceivedAsync(last, lastCode);
        Assert.That(received.GetProperty("expiresOn").GetString(), Is.EqualTo(issuedOn.AddDays(3).ToString("yyyy-MM-dd")));

        Api.Clock.Set(new DateTimeOffset(issuedOn.AddDays(4).ToDateTime(TimeOnly.MinValue), Japan));
        using var response = await ReceiveAsync(late, lateCode);

        await ExpectProblemAsync(response, HttpStatusCode.Gone, "EXPIRED");
        var status = await StatusAsync(late);
        Assert.Multiple(() =>
        {
            Assert.That(status.GetProperty("status").GetString(), Is.EqualTo("expired"));
            Assert.That(Actions(status), Is.EqualTo(new[] { "register", "expire" }));
        });
        Assert.That((await StatusAsync(last)).GetProperty("status").GetString(), Is.EqualTo("expired"), "a held prescription expires too");
    }

    [Test]
    public async Task Should_lock_receiving_after_five_wrong_codes_for_fifteen_minutes()
    {
        Api.Clock.Set(DateTimeOffset.UtcNow);
        var (id, code) = await RegisterPrescriptionAsync();
        var wrong = code == "999999" ? "999998" : "999999";
        var unknownId = id[..^1] + (id[^1] == '2' ? '3' : '2');
        using (var unknown = await ReceiveAsync(unknownId, code))
        {
            var expected = Shape(await ExpectProblemAsync(unknown, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND"), unknownId);
            for (var attempt = 1; attempt <= 5; attempt++)
            {
                using var response = await ReceiveAsync(id, wrong);
                var problem = await ExpectProblemAsync(response, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
                Assert.That(Shape(problem, id), Is.EqualTo(expected), $"wrong code {attempt} answers like an unknown ID");
            }
        }

        using (var locked = await ReceiveAsync(id, code))
            await ExpectProblemAsync(locked, (HttpStatusCode)429, "TOO_MANY_ATTEMPTS");
        Api.Clock.Advance(TimeSpan.FromMinutes(14));
        using (var stillLocked = await ReceiveAsync(id, code))
            await ExpectProblemAsync(stillLocked, (HttpStatusCode)429, "TOO_MANY_ATTEMPTS");

        Api.Clock.Advance(TimeSpan.FromMinutes(1));
        await ReceivedAsync(id, code);
        Assert.That(Actions(await StatusAsync(id)), Is.EqualTo(new[] { "register", "receive" }));
    }

    /// <summary>The problem without what differs per request (traceId, instance) and with the ID it names blanked.</summary>
    private static string Shape(JsonElement problem, string id) =>
        JsonSerializer.Serialize(problem.EnumerateObject().Where(p => p.Name is not ("traceId" or "instance"))
            .ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()!.Replace(id, "{id}", StringComparison.Ordinal) : p.Value.GetRawText()));

}
