using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using EPrescription.Formats.Notebook;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Formats.Validation;
using EPrescription.Server.Messaging;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Notebook;

/// <summary>
/// A patient scans the slip into a notebook app; from then on (and for that prescription, even if it was dispensed before)
/// every dispensing reaches the app as a JAHIS notebook record with a stable id.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed partial class LinkAndRecordTests(DatabaseProvider provider) : NotebookScenario(provider)
{
    [Test]
    public async Task Should_deliver_a_valid_JAHISTC08_record_of_a_dispensing_after_the_link()
    {
        var slip = await RegisterVisitAsync();
        var link = await LinkAsync(slip);
        Assert.That(link.GetProperty("recordsAdded").GetInt32(), Is.Zero, "nothing dispensed yet");

        await DispenseAsync(slip);
        var records = await FeedWhenAsync(1);
        var again = await FeedAsync();

        var record = records[0];
        var bytes = DocumentOf(record);
        var jahis = JahisReader.Read(bytes, TextEncodingKind.ShiftJis);
        var report = JahisValidator.Validate(jahis);
        var notebook = NotebookReader.Read(jahis);
        var block = notebook.DispensingBlocks.Single();
        Assert.Multiple(() =>
        {
            Assert.That(Encoding.ASCII.GetString(bytes, 0, 12), Is.EqualTo("JAHISTC08,1\r"));
            Assert.That(report.IsValid, Is.True, string.Join("\n", report.Errors.Select(e => $"{e.Line}: {e.Message}")));
            Assert.That(record.GetProperty("id").GetString(), Does.Match("^nbr_[0-9a-f]{24}$"));
            Assert.That(record.GetProperty("linkId").GetString(), Is.EqualTo(link.GetProperty("linkId").GetString()));
            Assert.That(record.GetProperty("prescriptionId").GetString(), Is.EqualTo(slip.Id));
            Assert.That(record.GetProperty("dispensedOn").GetString(), Is.EqualTo(Rx.Format(TodayInJapan).Insert(6, "-").Insert(4, "-")));
            Assert.That(record.GetProperty("documentEncoding").GetString(), Is.EqualTo("shift_jis"));
            Assert.That(notebook.Patient.Name, Is.EqualTo("試験 花子"));
            Assert.That(notebook.Patient.BirthDate.Text, Is.EqualTo("19850415"));
            Assert.That(block.Date.Text, Is.EqualTo(Rx.Format(TodayInJapan)));
            Assert.That(block.DispensingInstitution?.Name, Is.EqualTo("みほん薬局　本町店"));
            Assert.That(block.DispensingInstitution?.Code, Is.EqualTo("1234567"));
            Assert.That(block.PrescribingInstitution?.Name, Is.EqualTo("医療法人見本会　みほんクリニック"));
            Assert.That(block.PrescribingDoctors.Select(d => d.Name), Is.EqualTo(new[] { "見本 一郎" }));
            Assert.That(block.AllRps.SelectMany(rp => rp.Drugs).Select(d => d.Name),
                Is.EqualTo(new[] { "ロキソニン錠６０ｍｇ", "ムコスタ錠１００ｍｇ", "カロナール錠２００" }));
            Assert.That(Ids(again), Is.EqualTo(Ids(records)), "record ids are stable across reads");
            Assert.That(again[0].GetProperty("document").GetString(), Is.EqualTo(record.GetProperty("document").GetString()));
        });
    }

    [Test]
    public async Task Should_add_the_record_of_a_dispensing_made_before_the_link_and_link_twice_harmlessly()
    {
        var slip = await RegisterVisitAsync();
        await DispenseAsync(slip);
        await EveryEventPublishedAsync();
        Assert.That(await FeedAsync(), Is.Empty, "no app is linked yet");

        using var first = await PostLinkAsync(slip);
        var created = await ExpectAsync(first, HttpStatusCode.Created);
        using var second = await PostLinkAsync(slip);
        var existing = await ExpectAsync(second, HttpStatusCode.OK);
        var records = await FeedAsync();

        Assert.Multiple(() =>
        {
            Assert.That(created.GetProperty("linkId").GetString(), Does.Match("^lnk_[0-9a-f]{24}$"));
            Assert.That(created.GetProperty("created").GetBoolean(), Is.True);
            Assert.That(created.GetProperty("recordsAdded").GetInt32(), Is.EqualTo(1));
            Assert.That(first.Headers.Location?.ToString(), Is.EqualTo("/v1/notebook/links/" + created.GetProperty("linkId").GetString()));
            Assert.That(existing.GetProperty("linkId").GetString(), Is.EqualTo(created.GetProperty("linkId").GetString()));
            Assert.That(existing.GetProperty("created").GetBoolean(), Is.False);
            Assert.That(existing.GetProperty("recordsAdded").GetInt32(), Is.Zero);
            Assert.That(records, Has.Count.EqualTo(1));
            Assert.That(records[0].GetProperty("prescriptionId").GetString(), Is.EqualTo(slip.Id));
        });
    }

    [Test]
    public async Task Should_link_by_patient_so_a_later_prescription_of_the_same_patient_reaches_the_app()
    {
        var firstVisit = await RegisterVisitAsync(1);
        var link = await LinkAsync(firstVisit);
        var secondVisit = await RegisterVisitAsync(2);
        using (var again = await PostLinkAsync(secondVisit))
        {
            var answer = await ExpectAsync(again, HttpStatusCode.OK);
            Assert.That(answer.GetProperty("linkId").GetString(), Is.EqualTo(link.GetProperty("linkId").GetString()), "the same patient, the same link");
        }

        await DispenseAsync(secondVisit);
        var records = await FeedWhenAsync(1);

        Assert.That(records[0].GetProperty("prescriptionId").GetString(), Is.EqualTo(secondVisit.Id));
    }

    [Test]
    public async Task Should_answer_a_wrong_exchange_code_exactly_like_an_unknown_prescription()
    {
        var slip = await RegisterVisitAsync();
        var wrong = slip.ExchangeCode == "000000" ? "000001" : "000000";
        var unknownId = UnknownId();

        using var wrongCode = await PostLinkAsync(slip, exchangeCode: wrong);
        using var unknown = await PostLinkAsync(new Slip(unknownId, slip.ExchangeCode));

        var wrongProblem = await ExpectProblemAsync(wrongCode, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
        var unknownProblem = await ExpectProblemAsync(unknown, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
        Assert.Multiple(async () =>
        {
            Assert.That(Scrub(wrongProblem.GetProperty("detail").GetString()!, slip.Id), Is.EqualTo(Scrub(unknownProblem.GetProperty("detail").GetString()!, unknownId)));
            Assert.That(wrongProblem.GetProperty("title").GetString(), Is.EqualTo(unknownProblem.GetProperty("title").GetString()));
            Assert.That(await Api.CountAsync("notebook_links"), Is.Zero);
        });
    }

    [Test]
    public async Task Should_lock_after_five_wrong_codes_counting_links_and_pharmacy_receives_together()
    {
        var slip = await RegisterVisitAsync();
        var wrong = slip.ExchangeCode == "000000" ? "000001" : "000000";
        for (var i = 0; i < 5; i++)
        {
            // Alternating: the app's link attempts and the pharmacy's receive attempts count toward one lockout.
            using var response = i % 2 == 0
                ? await PostLinkAsync(slip, exchangeCode: wrong)
                : await Api.PostAsync($"/v1/prescriptions/{slip.Id}/receive", Pharmacy, System.Net.Http.Json.JsonContent.Create(new { exchangeCode = wrong }));
            await ExpectProblemAsync(response, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");
        }

        using var link = await PostLinkAsync(slip);
        using var receive = await Api.PostAsync($"/v1/prescriptions/{slip.Id}/receive", Pharmacy, System.Net.Http.Json.JsonContent.Create(new { exchangeCode = slip.ExchangeCode }));

        await ExpectProblemAsync(link, HttpStatusCode.TooManyRequests, "TOO_MANY_ATTEMPTS");
        await ExpectProblemAsync(receive, HttpStatusCode.TooManyRequests, "TOO_MANY_ATTEMPTS");
        Assert.That(await Api.CountAsync("notebook_links"), Is.Zero);
    }

    [Test]
    public async Task Should_store_links_and_records_under_a_keyed_hash_never_the_raw_identifiers()
    {
        var slip = await RegisterVisitAsync();
        await LinkAsync(slip);
        await DispenseAsync(slip);
        await FeedWhenAsync(1);

        var rx = Rx.Records(Rx.Basic, TodayInJapan);
        var insurer = rx.Single(r => r.Number == "22").Field(1);
        var card = rx.Single(r => r.Number == "23");
        var name = rx.Single(r => r.Number == "11").Field(2);
        var birth = rx.Single(r => r.Number == "13").Field(1);
        // As the prescription carries them (the card's symbol and number in full-width digits) and as the dispensing does.
        string[] personal = [insurer, card.Field(1), card.Field(2), name, name.Replace('　', ' '), birth, "1985-04-15", "試験", "ｼｹﾝ", "シケン"];
        Assert.That(personal, Has.None.Empty, "the sample's identifiers were found");

        await using var connection = await Api.Database.OpenAsync();
        var values = new List<(string Where, string Value)>();
        foreach (var table in new[] { "notebook_links", "notebook_records", "webhook_deliveries" })
        {
            foreach (IDictionary<string, object?> row in await connection.QueryAsync($"SELECT * FROM {table}"))
            {
                foreach (var (column, value) in row)
                {
                    if (table == "notebook_records" && column == "document") continue; // the JAHIS record is the delivered content
                    values.Add(($"{table}.{column}", value switch
                    {
                        null => "",
                        byte[] bytes => Encoding.UTF8.GetString(bytes),
                        DateTime at => at.ToString("O"),
                        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
                    }));
                }
            }
        }
        var keys = values.Where(v => v.Where.EndsWith(".patient_key", StringComparison.Ordinal)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(keys, Has.Count.EqualTo(2), "one link and one record");
            foreach (var (where, value) in keys) Assert.That(HexKey().IsMatch(value), Is.True, $"{where} = {value}");
            foreach (var (where, value) in values)
            {
                foreach (var raw in personal) Assert.That(value, Does.Not.Contain(raw), $"{where} holds '{raw}'");
            }
        });
    }

    [Test]
    public async Task Should_give_each_of_two_linked_apps_its_own_record_of_every_later_dispensing()
    {
        var (secondApp, _) = await AddNotebookAppAsync("Another notebook app");
        var firstVisit = await RegisterVisitAsync(1);
        var firstLink = await LinkAsync(firstVisit);
        var secondLink = await LinkAsync(firstVisit, secondApp);

        await DispenseAsync(firstVisit);
        var secondVisit = await RegisterVisitAsync(2);
        await DispenseAsync(secondVisit);
        var mine = await FeedWhenAsync(2);
        var theirs = await FeedWhenAsync(2, secondApp);

        Assert.Multiple(() =>
        {
            Assert.That(firstLink.GetProperty("linkId").GetString(), Is.Not.EqualTo(secondLink.GetProperty("linkId").GetString()));
            Assert.That(mine.Select(r => r.GetProperty("prescriptionId").GetString()), Is.EqualTo(new[] { firstVisit.Id, secondVisit.Id }));
            Assert.That(theirs.Select(r => r.GetProperty("prescriptionId").GetString()), Is.EqualTo(new[] { firstVisit.Id, secondVisit.Id }));
            Assert.That(mine.Select(r => r.GetProperty("linkId").GetString()), Is.All.EqualTo(firstLink.GetProperty("linkId").GetString()));
            Assert.That(theirs.Select(r => r.GetProperty("linkId").GetString()), Is.All.EqualTo(secondLink.GetProperty("linkId").GetString()));
            Assert.That(Ids(mine).Intersect(Ids(theirs)), Is.Empty, "each app's record has an id of its own");
        });
    }

    [GeneratedRegex("^[0-9A-Fa-f]{64}$")]
    private static partial Regex HexKey();

    /// <summary>An ID no prescription has: well-formed, with its own check character.</summary>
    private static string UnknownId() => EPrescription.Server.Prescriptions.PrescriptionId.New().ToString();

    private static string Scrub(string detail, string id) => detail.Replace(id, "ID", StringComparison.Ordinal);
}
