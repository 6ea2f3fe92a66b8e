using System.Net;
using System.Text.Json;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Clinics;

/// <summary>
/// The clinic event feed (SPEC §11): the clinic learns what became of each of its prescriptions, in the order it happened, from
/// one cursor; nobody else sees its events; cursors page without gaps or repeats and nonsense ones are refused.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class ClinicEventTests(DatabaseProvider provider) : ClinicScenario(provider)
{
    private static readonly TimeSpan Japan = TimeSpan.FromHours(9);

    [Test]
    public async Task Should_tell_the_clinic_of_receive_return_dispense_cancel_and_expiry_in_the_order_they_happened()
    {
        // Taken back and forth: received by the second pharmacy, returned, then received and dispensed by the first.
        var (dispensed, dispensedCode) = await RegisterVisitAsync(1);
        var (cancelled, _) = await RegisterVisitAsync(2);
        var (expired, _) = await RegisterVisitAsync(3);
        await ReceivedAsync(dispensed, dispensedCode, SecondPharmacy);
        (await ReturnAsync(dispensed, SecondPharmacy)).Dispose();
        var dispensingId = await ReceiveAndDispenseAsync(dispensed, dispensedCode);
        var dispensedOn = TodayInJapan;
        using (var cancel = await Api.PostAsync($"/v1/prescriptions/{cancelled}/cancel", Clinic)) await ExpectAsync(cancel, HttpStatusCode.OK);
        var expiresOn = DateOnly.Parse((await StatusAsync(expired)).GetProperty("expiresOn").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Api.Clock.Set(new DateTimeOffset(expiresOn.AddDays(1).ToDateTime(TimeOnly.MinValue), Japan));
        Assert.That((await StatusAsync(expired)).GetProperty("status").GetString(), Is.EqualTo("expired"));

        var events = await EventsWhenAsync(6);

        Assert.Multiple(() =>
        {
            Assert.That(Kinds(events), Is.EqualTo(new[]
            {
                ("received", dispensed), ("returned", dispensed), ("received", dispensed), ("dispensed", dispensed),
                ("cancelled", cancelled), ("expired", expired),
            }).AsCollection, "registrations are the clinic's own doing and are not events");
            Assert.That(Ids(events), Is.Unique);
            Assert.That(events.Select(e => e.GetProperty("at").GetDateTime()), Is.Ordered);
            Assert.That(PharmacyOf(events[0]), Is.EqualTo((SecondPharmacy.Name, SecondPharmacy.InstitutionCode)));
            Assert.That(PharmacyOf(events[1]), Is.EqualTo((SecondPharmacy.Name, SecondPharmacy.InstitutionCode)));
            Assert.That(PharmacyOf(events[2]), Is.EqualTo((Pharmacy.Name, Pharmacy.InstitutionCode)));
            Assert.That(PharmacyOf(events[3]), Is.EqualTo((Pharmacy.Name, Pharmacy.InstitutionCode)));
            Assert.That(events[3].GetProperty("dispensingId").GetString(), Is.EqualTo(dispensingId));
            Assert.That(events[3].GetProperty("dispensedOn").GetString(), Is.EqualTo(dispensedOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(events[3].GetProperty("part").GetBoolean(), Is.False);
            Assert.That(events[3].GetProperty("important").GetBoolean(), Is.False);
            Assert.That(events[3].TryGetProperty("noteToPrescriber", out _), Is.False, "no note was sent");
            Assert.That(events[4].TryGetProperty("pharmacy", out _), Is.False, "the clinic cancelled it itself");
            Assert.That(events[5].GetProperty("expiresOn").GetString(), Is.EqualTo(expiresOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        });
    }

    /// <summary>
    /// A part, the important flag and the pharmacist's note travel in the DispensingRecorded event (the dispensing request will
    /// carry them; until it does, the event is written here as the dispensing use case writes it, through the outbox writer,
    /// for a prescription the pharmacy really received). The clinic reads them in its feed.
    /// </summary>
    [Test]
    public async Task Should_carry_a_dispensings_part_important_flag_and_note_to_the_clinic()
    {
        var (id, code) = await RegisterVisitAsync(1);
        await ReceivedAsync(id, code);
        const string note = "疑義照会の結果、ムコスタ錠を中止しました。";
        await Api.Database.InTransactionAsync(async (connection, transaction) =>
        {
            var messageId = Guid.NewGuid();
            var now = DateTime.UtcNow;
            await EPrescription.Server.Outbox.OutboxWriter.AddAsync(connection, transaction, messageId, messageId,
                new EPrescription.Contracts.DispensingRecorded(messageId, messageId, "dsp_part_1", id, "patient-key", 1, Pharmacy.Id, TodayInJapan, now,
                    Part: true, Important: true, NoteToPrescriber: note), now);
        });

        var dispensed = (await EventsWhenAsync(2))[1];

        Assert.Multiple(() =>
        {
            Assert.That(dispensed.GetProperty("type").GetString(), Is.EqualTo("dispensed"));
            Assert.That(dispensed.GetProperty("dispensingId").GetString(), Is.EqualTo("dsp_part_1"));
            Assert.That(dispensed.GetProperty("part").GetBoolean(), Is.True);
            Assert.That(dispensed.GetProperty("important").GetBoolean(), Is.True);
            Assert.That(dispensed.GetProperty("noteToPrescriber").GetString(), Is.EqualTo(note));
            Assert.That(Api.Logs.Text, Does.Not.Contain(note), "the note is never logged");
        });
    }

    [Test]
    public async Task Should_show_another_clinic_none_of_the_events_and_refuse_pharmacies_and_notebook_apps()
    {
        var (id, code) = await RegisterVisitAsync(1);
        await ReceiveAndDispenseAsync(id, code);
        var mine = await EventsWhenAsync(2);
        var myCursor = (await EventsPageAsync(limit: 1)).GetProperty("nextCursor").GetString();

        var theirs = await EventsPageAsync(DentalClinic);
        var theirsWithMyCursor = await EventsPageAsync(DentalClinic, after: myCursor);
        using var pharmacy = await GetEventsAsync(Pharmacy);
        using var app = await GetEventsAsync(NotebookApp);

        Assert.Multiple(async () =>
        {
            Assert.That(mine, Has.Count.EqualTo(2));
            Assert.That(theirs.GetProperty("events").GetArrayLength(), Is.Zero);
            Assert.That(theirs.GetProperty("hasMore").GetBoolean(), Is.False);
            Assert.That(theirsWithMyCursor.GetProperty("events").GetArrayLength(), Is.Zero);
            await ExpectProblemAsync(pharmacy, HttpStatusCode.Forbidden, "FORBIDDEN");
            await ExpectProblemAsync(app, HttpStatusCode.Forbidden, "FORBIDDEN");
        });
    }

    [Test]
    public async Task Should_page_through_every_event_once_in_order_whatever_the_page_size()
    {
        for (var visit = 1; visit <= 4; visit++)
        {
            var (id, code) = await RegisterVisitAsync(visit);
            if (visit % 2 == 0)
            {
                using var cancel = await Api.PostAsync($"/v1/prescriptions/{id}/cancel", Clinic);
                await ExpectAsync(cancel, HttpStatusCode.OK);
            }
            else
            {
                await ReceivedAsync(id, code);
                (await ReturnAsync(id)).Dispose();
            }
        }
        var whole = Ids(await EventsWhenAsync(6));

        var (byOne, end) = await PageAllAsync(limit: 1);
        var (byFour, _) = await PageAllAsync(limit: 4);
        var afterTheEnd = await EventsPageAsync(after: end, limit: 1);
        var firstOfFour = await EventsPageAsync(limit: 4);

        Assert.Multiple(() =>
        {
            Assert.That(byOne, Is.EqualTo(whole));
            Assert.That(byFour, Is.EqualTo(whole));
            Assert.That(firstOfFour.GetProperty("events").GetArrayLength(), Is.EqualTo(4));
            Assert.That(firstOfFour.GetProperty("hasMore").GetBoolean(), Is.True);
            Assert.That(afterTheEnd.GetProperty("events").GetArrayLength(), Is.Zero);
            Assert.That(afterTheEnd.GetProperty("hasMore").GetBoolean(), Is.False);
            Assert.That(afterTheEnd.GetProperty("nextCursor").GetString(), Is.EqualTo(end), "at the end, the same cursor to poll with");
        });
    }

    [TestCase("after=nonsense", "after")]
    [TestCase("after=e1.", "after")]
    [TestCase("after=e1.%21%21%21", "after")]
    [TestCase("after=e1.MQ", "after")] // "1": one number where a cursor has two
    [TestCase("after=e1.LTEuMQ", "after")] // "-1.1"
    [TestCase("after=e1.MS4yLjM", "after")] // "1.2.3"
    [TestCase("after=c2.MS4y", "after")] // a cursor of the notebook feed
    [TestCase("limit=0", "limit")]
    [TestCase("limit=1001", "limit")]
    [TestCase("limit=-1", "limit")]
    [TestCase("limit=ten", "limit")]
    public async Task Should_refuse_a_cursor_or_limit_it_never_gave_out_naming_the_parameter(string query, string parameter)
    {
        using var response = await Api.GetAsync("/v1/clinic/events?" + query, Clinic);

        var problem = await ExpectProblemAsync(response, HttpStatusCode.BadRequest, "REQUEST_INVALID");
        Assert.That(problem.GetProperty("detail").GetString(), Does.StartWith(parameter));
    }

    [Test]
    public async Task Should_audit_each_prescription_a_page_of_events_told_the_clinic_of()
    {
        var (first, firstCode) = await RegisterVisitAsync(1);
        var (second, _) = await RegisterVisitAsync(2);
        await ReceivedAsync(first, firstCode);
        await EventsWhenAsync(1);

        Assert.Multiple(async () =>
        {
            Assert.That(await AuditAsync(first), Does.Contain((Clinic.Id, "clinic.events")));
            Assert.That(await AuditAsync(second), Does.Not.Contain((Clinic.Id, "clinic.events")), "no event of it was on the page");
        });
    }

    private async Task<(List<string> Ids, string? End)> PageAllAsync(int limit)
    {
        var ids = new List<string>();
        string? after = null;
        while (true)
        {
            var page = await EventsPageAsync(after: after, limit: limit);
            ids.AddRange(Ids(page.GetProperty("events").EnumerateArray()));
            after = page.GetProperty("nextCursor").GetString();
            if (!page.GetProperty("hasMore").GetBoolean()) return (ids, after);
            Assert.That(ids, Has.Count.LessThan(100), "the feed ends");
        }
    }

    private static (string?, string?) PharmacyOf(JsonElement e) =>
        (e.GetProperty("pharmacy").GetProperty("name").GetString(), e.GetProperty("pharmacy").GetProperty("institutionCode").GetString());
}
