using System.Globalization;
using System.Net;
using System.Text.Json;
using EPrescription.Formats.Reading;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Clinics;

/// <summary>
/// What the issuing clinic learns of refills and parts (SPEC §3, §11): every dispensing, part and use as its own event with the
/// pharmacy's important flag and note, the dispensings listing with each part, and <c>refill-due</c> once a refill's next use
/// may be received (announced by the sweeper, which this scenario's own service runs every second).
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class RefillFeedbackTests(DatabaseProvider provider) : ClinicScenario(provider)
{
    private const int SupplyDays = 14;

    private byte[] RefillPrescription(int uses)
    {
        var records = Rx.Records(Rx.Basic, TodayInJapan);
        records.Insert(records.FindIndex(r => r.Number == "51") + 1, new JahisRecord("64", uses.ToString(CultureInfo.InvariantCulture)));
        return Rx.Write(records);
    }

    private void MoveClockTo(DateOnly japanDate) =>
        Api.Clock.Set(new DateTimeOffset(japanDate.ToDateTime(new TimeOnly(10, 0)), TimeSpan.FromHours(9)));

    private Dictionary<string, object> DispensingWith(object instructions)
    {
        var body = DispensingBody().ToDictionary(p => p.Key, p => (object)p.Value);
        foreach (var property in JsonSerializer.SerializeToElement(instructions).EnumerateObject()) body[property.Name] = property.Value;
        return body;
    }

    [Test]
    public async Task Should_show_the_clinic_each_part_and_use_with_the_pharmacists_note_and_when_the_next_use_is_due()
    {
        var shared = Api;
        await using var sweeping = await ApiFixture.StartInstanceAsync(Provider, "_refilldue", reset: true,
            ["--Prescriptions:SweepInterval=00:00:01"]);
        Api = sweeping;
        try
        {
            var day0 = TodayInJapan;
            MoveClockTo(day0);
            var (id, code) = await RegisterPrescriptionAsync(RefillPrescription(uses: 2));
            await ReceivedAsync(id, code);
            const string note = "残薬があるため7日分のみ調剤しました。次回は残薬を確認してください。";
            string partId, useId;
            using (var part = await DispenseAsync(id, DispensingWith(new { part = true, important = true, noteToPrescriber = note })))
                partId = (await ExpectAsync(part, HttpStatusCode.OK)).GetProperty("dispensingId").GetString()!;
            Api.Clock.Advance(TimeSpan.FromMinutes(1)); // a newly signed document, not a retry of the part
            using (var use = await DispenseAsync(id, DispensingBody()))
                useId = (await ExpectAsync(use, HttpStatusCode.OK)).GetProperty("dispensingId").GetString()!;

            // The window of use 2 opens on day0 + 7: the sweeper announces it once.
            MoveClockTo(day0.AddDays(SupplyDays - 7));
            var events = await EventsWhenAsync(4);
            Assert.That(events.Select(e => e.GetProperty("type").GetString()), Is.EqualTo(new[] { "received", "dispensed", "dispensed", "refill-due" }));
            Assert.Multiple(() =>
            {
                Assert.That(events[1].GetProperty("dispensingId").GetString(), Is.EqualTo(partId));
                Assert.That(events[1].GetProperty("part").GetBoolean(), Is.True);
                Assert.That(events[1].GetProperty("important").GetBoolean(), Is.True);
                Assert.That(events[1].GetProperty("noteToPrescriber").GetString(), Is.EqualTo(note));
                Assert.That(events[2].GetProperty("dispensingId").GetString(), Is.EqualTo(useId));
                Assert.That(events[2].GetProperty("part").GetBoolean(), Is.False);
                Assert.That(events[3].GetProperty("use").GetInt32(), Is.EqualTo(2));
                Assert.That(events[3].GetProperty("nextDueOn").GetString(), Is.EqualTo(day0.AddDays(SupplyDays).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
                Assert.That(events[3].GetProperty("window").GetProperty("from").GetString(),
                    Is.EqualTo(day0.AddDays(SupplyDays - 7).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
            });

            var dispensings = (await DispensingsAsync(id)).GetProperty("dispensings").EnumerateArray().ToList();
            Assert.That(dispensings.Select(d => (d.GetProperty("id").GetString(), d.GetProperty("part").GetBoolean(), d.GetProperty("important").GetBoolean())),
                Is.EqualTo(new[] { (partId, true, true), (useId, false, false) }));
            Assert.That(dispensings[0].GetProperty("noteToPrescriber").GetString(), Is.EqualTo(note));

            // Announced once per use, however often the sweeper comes by.
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            Assert.That((await EventsAsync()).Count(e => e.GetProperty("type").GetString() == "refill-due"), Is.EqualTo(1));
        }
        finally
        {
            Api = shared;
        }
    }
}
