using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EPrescription.Formats.Reading;
using EPrescription.Server.Clients;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Pharmacies;

/// <summary>
/// Refill prescriptions (リフィル, record 64) and dispensing in parts (分割調剤) through HTTP, with the service's clock moved across
/// days: each use's window, ending early, cancelling the remaining uses, two pharmacies across uses, parts continued at another
/// pharmacy, a retried part, the race for a refill's next use, and every notebook record once and in order (SPEC §3).
/// The dispensing sample supplies 14 days of its 内服 RP (record 301), so a use dispensed on day D is next due on D + 14 and may
/// be received from D + 7 through D + 21.
/// </summary>
[TestFixtureSource(typeof(PharmacyScenario), nameof(Fixtures))]
public sealed class RefillAndPartTests(DatabaseProvider provider, BusTransport transport) : PharmacyScenario(provider, transport)
{
    private const int SupplyDays = 14;

    /// <summary>The basic prescription as a refill of <paramref name="uses"/> uses, issued today; a visit number keeps each apart.</summary>
    private byte[] RefillPrescription(int uses, int visit = 1, bool narcotic = false)
    {
        var records = Rx.Records(Rx.Basic, TodayInJapan)
            .Select(r => r.Number == "11" ? Rx.With(r, (1, visit.ToString("D6", CultureInfo.InvariantCulture))) : r).ToList();
        var at = records.FindIndex(r => r.Number == "51") + 1;
        if (narcotic) records.Insert(at++, new JahisRecord("61", "12345", "東京都千代田区千代田９－９－９", "03-0000-0000"));
        records.Insert(at, new JahisRecord("64", uses.ToString(CultureInfo.InvariantCulture)));
        return Rx.Write(records);
    }

    /// <summary>The dispensing result as <paramref name="pharmacy"/> reports it today (its institution in record 11).</summary>
    private Dictionary<string, object> Dispensing(DevClient pharmacy, object? instructions = null)
    {
        var code = pharmacy.InstitutionCode!;
        var document = Dispensings.Document(TodayInJapan, records => records
            .Select(r => r.Number == "11" ? Rx.With(r, (2, code[..2]), (3, code[2..3]), (4, code[3..])) : r).ToList());
        var body = Signed.Body(document, Sign(document, Dispensings.Pharmacist)).ToDictionary(p => p.Key, p => (object)p.Value);
        if (instructions is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(instructions).EnumerateObject())
                body[property.Name] = property.Value;
        }
        return body;
    }

    private void MoveClockTo(DateOnly japanDate) =>
        Api.Clock.Set(new DateTimeOffset(japanDate.ToDateTime(new TimeOnly(10, 0)), TimeSpan.FromHours(9)));

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A refill of <paramref name="uses"/> uses issued today, its first use received and dispensed today (day 0).</summary>
    private async Task<(string Id, string Code, DateOnly Day0)> AwaitingSecondUseAsync(int uses)
    {
        var day0 = TodayInJapan;
        MoveClockTo(day0);
        var (id, code) = await RegisterPrescriptionAsync(RefillPrescription(uses));
        await ReceivedAsync(id, code);
        using (var response = await DispenseAsync(id, Dispensing(Pharmacy)))
            Assert.That((await ExpectAsync(response, HttpStatusCode.OK)).GetProperty("status").GetString(), Is.EqualTo("awaiting-refill"));
        return (id, code, day0);
    }

    [Test]
    public async Task Should_dispense_a_refill_three_times_within_its_windows_at_two_pharmacies()
    {
        var day0 = TodayInJapan;
        MoveClockTo(day0);
        var (id, code) = await RegisterPrescriptionAsync(RefillPrescription(uses: 3));
        var registered = await StatusAsync(id);
        Assert.That(registered.GetProperty("refill").GetProperty("totalUses").GetInt32(), Is.EqualTo(3));

        // Use 1, on the day of issue.
        var first = await ReceivedAsync(id, code);
        Assert.That((first.GetProperty("totalUses").GetInt32(), first.GetProperty("usesDone").GetInt32()), Is.EqualTo((3, 0)));
        using (var response = await DispenseAsync(id, Dispensing(Pharmacy)))
        {
            var dispensed = await ExpectAsync(response, HttpStatusCode.OK);
            Assert.Multiple(() =>
            {
                Assert.That(dispensed.GetProperty("status").GetString(), Is.EqualTo("awaiting-refill"));
                Assert.That(dispensed.GetProperty("refill").GetProperty("usesDone").GetInt32(), Is.EqualTo(1));
                Assert.That(dispensed.GetProperty("refill").GetProperty("nextDueOn").GetString(), Is.EqualTo(Iso(day0.AddDays(SupplyDays))),
                    "dispensing date + the longest 内服 supply days");
            });
        }
        var awaiting = await StatusAsync(id);
        Assert.Multiple(() =>
        {
            Assert.That(awaiting.GetProperty("status").GetString(), Is.EqualTo("awaiting-refill"));
            Assert.That(awaiting.GetProperty("holder").ValueKind, Is.EqualTo(JsonValueKind.Null), "released for any pharmacy");
            var window = awaiting.GetProperty("refill").GetProperty("window");
            Assert.That(window.GetProperty("from").GetString(), Is.EqualTo(Iso(day0.AddDays(SupplyDays - 7))));
            Assert.That(window.GetProperty("to").GetString(), Is.EqualTo(Iso(day0.AddDays(SupplyDays + 7))));
        });

        // Too early for use 2: refused with the window, nothing changes.
        MoveClockTo(day0.AddDays(SupplyDays - 8));
        using (var early = await ReceiveAsync(id, code, SecondPharmacy))
        {
            var problem = await ExpectProblemAsync(early, HttpStatusCode.Conflict, "NOT_YET_DUE");
            Assert.That(problem.GetProperty("window").GetProperty("from").GetString(), Is.EqualTo(Iso(day0.AddDays(SupplyDays - 7))));
            Assert.That(problem.GetProperty("window").GetProperty("to").GetString(), Is.EqualTo(Iso(day0.AddDays(SupplyDays + 7))));
        }
        Assert.That((await StatusAsync(id)).GetProperty("status").GetString(), Is.EqualTo("awaiting-refill"));

        // Use 2 on the window's first day, at another pharmacy, which states the next due date itself.
        var day2 = day0.AddDays(SupplyDays - 7);
        MoveClockTo(day2);
        var second = await ReceivedAsync(id, code, SecondPharmacy);
        Assert.That(second.GetProperty("usesDone").GetInt32(), Is.EqualTo(1));
        var statedDue = day2.AddDays(30);
        using (var response = await DispenseAsync(id, Dispensing(SecondPharmacy, new { refill = new { nextDueOn = Iso(statedDue) } }), SecondPharmacy))
        {
            var dispensed = await ExpectAsync(response, HttpStatusCode.OK);
            Assert.That(dispensed.GetProperty("refill").GetProperty("nextDueOn").GetString(), Is.EqualTo(Iso(statedDue)));
        }

        // Use 3, the last: the refill ends and further receives are refused.
        MoveClockTo(statedDue.AddDays(7));
        await ReceivedAsync(id, code);
        using (var response = await DispenseAsync(id, Dispensing(Pharmacy)))
            Assert.That((await ExpectAsync(response, HttpStatusCode.OK)).GetProperty("status").GetString(), Is.EqualTo("dispensed"));
        using (var again = await ReceiveAsync(id, code))
            await ExpectProblemAsync(again, HttpStatusCode.Conflict, "ALREADY_DISPENSED");

        var status = await StatusAsync(id);
        Assert.Multiple(() =>
        {
            Assert.That(status.GetProperty("refill").GetProperty("usesDone").GetInt32(), Is.EqualTo(3));
            Assert.That(Actions(status), Is.EqualTo(new[] { "register", "receive", "dispense", "receive", "dispense", "receive", "dispense" }));
        });
        Assert.That(await Api.CountAsync("dispensings"), Is.EqualTo(3), "each use is its own dispensing");
        Assert.That(await Api.CountAsync("outbox", "message_type LIKE '%DispensingRecorded'"), Is.EqualTo(3), "each use is announced");
        await AssertEveryEventPublishedAsync();
    }

    [Test]
    public async Task Should_expire_a_refill_whose_next_use_was_not_received_within_its_window()
    {
        var (id, code, day0) = await AwaitingSecondUseAsync(uses: 2);

        MoveClockTo(day0.AddDays(SupplyDays + 8));
        using (var late = await ReceiveAsync(id, code))
            await ExpectProblemAsync(late, HttpStatusCode.Gone, "EXPIRED");
        var status = await StatusAsync(id);
        Assert.Multiple(() =>
        {
            Assert.That(status.GetProperty("status").GetString(), Is.EqualTo("expired"));
            Assert.That(Actions(status).Last(), Is.EqualTo("expire"));
        });
    }

    [Test]
    public async Task Should_end_a_refill_early_when_the_pharmacy_says_so()
    {
        var (id, code) = await RegisterPrescriptionAsync(RefillPrescription(uses: 3));
        await ReceivedAsync(id, code);
        using (var response = await DispenseAsync(id, Dispensing(Pharmacy, new { refill = new { ends = true } })))
            Assert.That((await ExpectAsync(response, HttpStatusCode.OK)).GetProperty("status").GetString(), Is.EqualTo("dispensed"));

        var status = await StatusAsync(id);
        Assert.That((status.GetProperty("status").GetString(), status.GetProperty("refill").GetProperty("usesDone").GetInt32()), Is.EqualTo(("dispensed", 1)));
        MoveClockTo(TodayInJapan.AddDays(SupplyDays));
        using var again = await ReceiveAsync(id, code);
        await ExpectProblemAsync(again, HttpStatusCode.Conflict, "ALREADY_DISPENSED");
    }

    [Test]
    public async Task Should_let_the_clinic_cancel_the_remaining_uses_but_not_while_a_pharmacy_holds_the_next()
    {
        var (id, code, day0) = await AwaitingSecondUseAsync(uses: 3);

        MoveClockTo(day0.AddDays(SupplyDays));
        await ReceivedAsync(id, code, SecondPharmacy);
        using (var held = await Api.PostAsync($"/v1/prescriptions/{id}/cancel", Clinic))
            await ExpectProblemAsync(held, HttpStatusCode.Conflict, "WITH_PHARMACY");
        using (var returned = await ReturnAsync(id, SecondPharmacy))
            Assert.That((await ExpectAsync(returned, HttpStatusCode.OK)).GetProperty("status").GetString(), Is.EqualTo("awaiting-refill"),
                "a return after a refill use goes back to waiting for that use");

        using (var cancel = await Api.PostAsync($"/v1/prescriptions/{id}/cancel", Clinic))
            Assert.That((await ExpectAsync(cancel, HttpStatusCode.OK)).GetProperty("status").GetString(), Is.EqualTo("cancelled"));
        using var after = await ReceiveAsync(id, code);
        await ExpectProblemAsync(after, HttpStatusCode.Conflict, "CANCELLED");
    }

    [Test]
    public async Task Should_let_exactly_one_of_two_pharmacies_receive_the_next_use()
    {
        var (id, code, day0) = await AwaitingSecondUseAsync(uses: 2);
        MoveClockTo(day0.AddDays(SupplyDays));

        var responses = await Task.WhenAll(ReceiveAsync(id, code, Pharmacy), ReceiveAsync(id, code, SecondPharmacy));
        try
        {
            Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(1), "exactly one receive wins");
            var loser = responses.Single(r => r.StatusCode != HttpStatusCode.OK);
            var problem = await ExpectProblemAsync(loser, HttpStatusCode.Conflict, "WITH_ANOTHER_PHARMACY");
            var winner = responses[0].StatusCode == HttpStatusCode.OK ? Pharmacy : SecondPharmacy;
            Assert.That(problem.GetProperty("holder").GetProperty("institutionCode").GetString(), Is.EqualTo(winner.InstitutionCode));
        }
        finally
        {
            foreach (var response in responses) response.Dispose();
        }
    }

    [Test]
    public async Task Should_keep_the_prescription_after_a_part_and_let_another_pharmacy_continue_it()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        await ReceivedAsync(id, code);
        var part = Dispensing(Pharmacy, new { part = true, important = true, noteToPrescriber = "残薬調整のため7日分を分割調剤しました。" });
        string partId;
        using (var response = await DispenseAsync(id, part))
        {
            var dispensed = await ExpectAsync(response, HttpStatusCode.OK);
            partId = dispensed.GetProperty("dispensingId").GetString()!;
            Assert.Multiple(() =>
            {
                Assert.That(dispensed.GetProperty("status").GetString(), Is.EqualTo("received"), "a part leaves the prescription with the pharmacy");
                Assert.That(dispensed.GetProperty("part").GetBoolean(), Is.True);
            });
        }
        // The same part sent again (its answer was lost): the first answer, and no second part.
        using (var retried = await DispenseAsync(id, part))
            Assert.That((await ExpectAsync(retried, HttpStatusCode.OK)).GetProperty("dispensingId").GetString(), Is.EqualTo(partId));
        Assert.That((await StatusAsync(id)).GetProperty("partsDispensed").GetInt32(), Is.EqualTo(1));

        using (var returned = await ReturnAsync(id))
            Assert.That((await ExpectAsync(returned, HttpStatusCode.OK)).GetProperty("status").GetString(), Is.EqualTo("registered"));
        var continuing = await ReceivedAsync(id, code, SecondPharmacy);
        var parts = continuing.GetProperty("parts").EnumerateArray().ToList();
        Assert.That(parts, Has.Count.EqualTo(1), "the next pharmacy sees the part dispensed so far");
        Assert.Multiple(() =>
        {
            Assert.That(parts[0].GetProperty("dispensingId").GetString(), Is.EqualTo(partId));
            Assert.That(parts[0].GetProperty("pharmacy").GetProperty("institutionCode").GetString(), Is.EqualTo(Pharmacy.InstitutionCode));
            Assert.That(parts[0].GetProperty("dispensedOn").GetString(), Is.EqualTo(Iso(TodayInJapan)));
        });

        using (var final = await DispenseAsync(id, Dispensing(SecondPharmacy), SecondPharmacy))
            Assert.That((await ExpectAsync(final, HttpStatusCode.OK)).GetProperty("status").GetString(), Is.EqualTo("dispensed"));
        var status = await StatusAsync(id);
        Assert.That(Actions(status), Is.EqualTo(new[] { "register", "receive", "dispense-part", "return", "receive", "dispense" }));
        Assert.That(await Api.CountAsync("dispensings", "part = @part", new { part = true }), Is.EqualTo(1));
        Assert.That(await Api.CountAsync("dispensings"), Is.EqualTo(2));
    }

    [Test]
    public async Task Should_deliver_every_use_and_part_to_the_linked_notebook_once_and_in_order()
    {
        var day0 = TodayInJapan;
        MoveClockTo(day0);
        var (id, code) = await RegisterPrescriptionAsync(RefillPrescription(uses: 2));
        using (var link = await Api.PostAsync("/v1/notebook/links", NotebookApp, JsonContent.Create(new { prescriptionId = id, exchangeCode = code })))
            await ExpectAsync(link, HttpStatusCode.Created);

        var dispensingIds = new List<string>();
        await ReceivedAsync(id, code);
        foreach (var part in new[] { true, false })
        {
            // A minute apart, so the two signed documents differ (the same bytes again would be a retry of the part).
            Api.Clock.Advance(TimeSpan.FromMinutes(1));
            using var response = await DispenseAsync(id, Dispensing(Pharmacy, new { part }));
            dispensingIds.Add((await ExpectAsync(response, HttpStatusCode.OK)).GetProperty("dispensingId").GetString()!);
        }
        MoveClockTo(day0.AddDays(SupplyDays));
        await ReceivedAsync(id, code, SecondPharmacy);
        using (var response = await DispenseAsync(id, Dispensing(SecondPharmacy), SecondPharmacy))
            dispensingIds.Add((await ExpectAsync(response, HttpStatusCode.OK)).GetProperty("dispensingId").GetString()!);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        List<JsonElement> records;
        do
        {
            using var feed = await Api.GetAsync("/v1/notebook/records?limit=100", NotebookApp);
            records = (await ExpectAsync(feed, HttpStatusCode.OK)).GetProperty("records").EnumerateArray().ToList();
            if (records.Count >= 3 || DateTime.UtcNow > deadline) break;
            await Task.Delay(100);
        }
        while (true);
        Assert.Multiple(() =>
        {
            Assert.That(records, Has.Count.EqualTo(3), "one record per dispensing: the part, the first use's final dispensing, the second use");
            Assert.That(records.Select(r => r.GetProperty("id").GetString()).Distinct().Count(), Is.EqualTo(3));
            Assert.That(records.Select(r => r.GetProperty("prescriptionId").GetString()), Is.All.EqualTo(id));
            Assert.That(records.Select(r => r.GetProperty("dispensedOn").GetString()),
                Is.EqualTo(new[] { Iso(day0), Iso(day0), Iso(day0.AddDays(SupplyDays)) }), "in dispensing order");
        });
        Assert.That(dispensingIds.Distinct().Count(), Is.EqualTo(3));
    }

    [Test]
    public async Task Should_refuse_a_refill_that_prescribes_a_narcotic_naming_the_records()
    {
        var document = RefillPrescription(uses: 2, narcotic: true);
        using var response = await PostRegisterAsync(Signed.Body(document, Sign(document, Signed.Doctor)));
        var problem = await ExpectProblemAsync(response, HttpStatusCode.UnprocessableEntity, "DOCUMENT_INVALID");
        Assert.That(problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("record").GetString()), Is.EquivalentTo(new[] { "61", "64" }));
        Assert.That(await Api.CountAsync("prescriptions"), Is.Zero);
    }

    [Test]
    public async Task Should_refuse_a_note_to_the_prescriber_over_a_thousand_characters_and_change_nothing()
    {
        var (id, code) = await RegisterPrescriptionAsync();
        await ReceivedAsync(id, code);
        using var response = await DispenseAsync(id, Dispensing(Pharmacy, new { noteToPrescriber = new string('薬', 1001) }));
        var problem = await ExpectProblemAsync(response, HttpStatusCode.BadRequest, "REQUEST_INVALID");
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("noteToPrescriber"));
        Assert.That((await StatusAsync(id)).GetProperty("status").GetString(), Is.EqualTo("received"));
        Assert.That(await Api.CountAsync("dispensings"), Is.Zero);
    }

    [Test]
    public async Task Should_show_which_sheet_of_a_split_instruction_a_prescription_is_and_its_siblings()
    {
        const string sample = "rx_jahis10_03_split_instruction.txt";
        var first = Rx.Write(Rx.Records(sample, TodayInJapan));
        var second = Rx.Write(Rx.Records(sample, TodayInJapan).Select(r => r.Number == "63" ? Rx.With(r, (2, "2")) : r));
        var (firstId, _) = await RegisterPrescriptionAsync(first);
        var (secondId, _) = await RegisterPrescriptionAsync(second);

        var status = await StatusAsync(secondId);
        var split = status.GetProperty("split");
        Assert.Multiple(() =>
        {
            Assert.That(split.GetProperty("part").GetInt32(), Is.EqualTo(2));
            Assert.That(split.GetProperty("of").GetInt32(), Is.EqualTo(3));
            Assert.That(split.GetProperty("siblings").EnumerateArray().Select(s => s.GetString()), Is.EqualTo(new[] { firstId }));
        });
        Assert.That((await StatusAsync(firstId)).GetProperty("split").GetProperty("siblings").EnumerateArray().Select(s => s.GetString()),
            Is.EqualTo(new[] { secondId }));

        // The second sheet's slip says which part it is and names the sheet registered before it.
        using var slip = await Api.GetAsync($"/v1/prescriptions/{secondId}/slip", Clinic);
        var html = await slip.Content.ReadAsStringAsync();
        Assert.That(slip.StatusCode, Is.EqualTo(HttpStatusCode.OK), html);
        Assert.That(html, Does.Contain("<strong>2 / 3</strong>").And.Contain(firstId));
    }
}
