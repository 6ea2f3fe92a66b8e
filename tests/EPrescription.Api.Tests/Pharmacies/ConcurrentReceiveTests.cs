using System.Globalization;
using System.Net;
using EPrescription.Server.Clients;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Pharmacies;

/// <summary>Many pharmacies receiving one prescription at the same moment: exactly one wins, every other learns who holds it.</summary>
[TestFixtureSource(typeof(PharmacyScenario), nameof(Fixtures))]
public sealed class ConcurrentReceiveTests(DatabaseProvider provider, BusTransport transport) : PharmacyScenario(provider, transport)
{
    [Test]
    public async Task Should_let_exactly_one_of_fifty_pharmacies_receive_and_name_it_to_the_others()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        var pharmacies = new List<DevClient>();
        for (var i = 0; i < 50; i++)
            pharmacies.Add(await AddPharmacyAsync($"試験薬局 {i:D2}号店", "134" + (9_000_000 + i).ToString(CultureInfo.InvariantCulture)));

        using var start = new ManualResetEventSlim();
        var receives = pharmacies.Select(p => Task.Run(async () =>
        {
            start.Wait();
            using var response = await ReceiveAsync(id, code, p);
            return (Pharmacy: p, Status: response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        })).ToList();
        start.Set();
        var answers = await Task.WhenAll(receives);

        var winners = answers.Where(a => a.Status == HttpStatusCode.OK).ToList();
        Assert.That(winners, Has.Count.EqualTo(1), string.Join("\n", answers.Select(a => $"{a.Status} {a.Body[..Math.Min(200, a.Body.Length)]}")));
        var winner = winners[0].Pharmacy;
        foreach (var loser in answers.Where(a => a.Pharmacy != winner))
        {
            using var response = new HttpResponseMessage(loser.Status) { Content = new StringContent(loser.Body, System.Text.Encoding.UTF8, "application/problem+json") };
            var problem = await ExpectProblemAsync(response, HttpStatusCode.Conflict, "WITH_ANOTHER_PHARMACY");
            Assert.Multiple(() =>
            {
                Assert.That(problem.GetProperty("holder").GetProperty("name").GetString(), Is.EqualTo(winner.Name), loser.Body);
                Assert.That(problem.GetProperty("holder").GetProperty("institutionCode").GetString(), Is.EqualTo(winner.InstitutionCode), loser.Body);
            });
        }
        var status = await StatusAsync(id);
        Assert.Multiple(() =>
        {
            Assert.That(Actions(status), Is.EqualTo(new[] { "register", "receive" }));
            Assert.That(status.GetProperty("holder").GetProperty("clientId").GetString(), Is.EqualTo(winner.Id));
        });
        Assert.That(await Api.CountAsync("outbox", "message_type LIKE '%PrescriptionReceived'"), Is.EqualTo(1));
    }
}
