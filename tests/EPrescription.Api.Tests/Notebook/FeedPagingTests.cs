using System.Net;
using Dapper;
using EPrescription.Server.Prescriptions;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Notebook;

/// <summary>
/// An app pages through its feed with the opaque cursor of each page: every record once, in order, whatever the page size;
/// nonsense cursors and limits are refused; no app sees another's records.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class FeedPagingTests(DatabaseProvider provider) : NotebookScenario(provider)
{
    private const int Records = 1000;

    [Test]
    public async Task Should_page_through_a_thousand_records_without_gaps_or_repeats()
    {
        await AddRecordsAsync();
        var expected = await StoredOrderAsync();

        var paged = new List<string>();
        string? after = null;
        var pages = 0;
        while (true)
        {
            var page = await FeedPageAsync(after: after, limit: 37);
            var ids = Ids(page.GetProperty("records").EnumerateArray());
            paged.AddRange(ids);
            pages++;
            Assert.That(ids.Count, Is.EqualTo(page.GetProperty("hasMore").GetBoolean() ? 37 : Records % 37), $"page {pages}");
            after = page.GetProperty("nextCursor").GetString();
            if (!page.GetProperty("hasMore").GetBoolean()) break;
            Assert.That(pages, Is.LessThan(100), "the feed ends");
        }
        var whole = await FeedPageAsync(limit: 1000);
        var afterTheEnd = await FeedPageAsync(after: after, limit: 37);

        Assert.Multiple(() =>
        {
            Assert.That(expected, Has.Count.EqualTo(Records));
            Assert.That(paged, Is.EqualTo(expected), "every record once, in the feed's order");
            Assert.That(pages, Is.EqualTo(Records / 37 + 1));
            Assert.That(Ids(whole.GetProperty("records").EnumerateArray()), Is.EqualTo(expected), "one page at the largest limit");
            Assert.That(whole.GetProperty("hasMore").GetBoolean(), Is.False);
            Assert.That(afterTheEnd.GetProperty("records").GetArrayLength(), Is.Zero);
            Assert.That(afterTheEnd.GetProperty("hasMore").GetBoolean(), Is.False);
            Assert.That(afterTheEnd.GetProperty("nextCursor").GetString(), Is.EqualTo(after), "at the end, the same cursor to poll with");
        });
    }

    [Test]
    public async Task Should_show_another_app_none_of_these_records()
    {
        await AddRecordsAsync();
        var (otherApp, _) = await AddNotebookAppAsync("Another notebook app");
        var someCursor = (await FeedPageAsync(limit: 10)).GetProperty("nextCursor").GetString();

        var fromStart = await FeedPageAsync(otherApp, limit: 1000);
        var withMyCursor = await FeedPageAsync(otherApp, after: someCursor, limit: 1000);

        Assert.Multiple(() =>
        {
            Assert.That(fromStart.GetProperty("records").GetArrayLength(), Is.Zero);
            Assert.That(fromStart.GetProperty("hasMore").GetBoolean(), Is.False);
            Assert.That(withMyCursor.GetProperty("records").GetArrayLength(), Is.Zero);
        });
    }

    [TestCase("after=nonsense")]
    [TestCase("after=c1.")]
    [TestCase("after=c1.%21%21%21")]
    [TestCase("after=c1.LTE")] // "-1"
    [TestCase("after=c1.MS4y")] // "1.2": two parts in a cursor of the first format
    [TestCase("after=c2.MQ")] // "1": one part in a cursor of the second
    [TestCase("after=c2.LTEuMQ")] // "-1.1"
    [TestCase("after=c2.MS4yLjM")] // "1.2.3"
    [TestCase("after=c3.MS4y")]
    [TestCase("limit=0")]
    [TestCase("limit=1001")]
    [TestCase("limit=-1")]
    [TestCase("limit=ten")]
    [TestCase("limit=1e3")]
    public async Task Should_refuse_a_cursor_or_limit_it_never_gave_out(string query)
    {
        using var response = await Api.GetAsync("/v1/notebook/records?" + query, NotebookApp);

        await ExpectProblemAsync(response, HttpStatusCode.BadRequest, "REQUEST_INVALID");
    }

    /// <summary>
    /// Cursors of the first format ("c1." and a feed sequence) were given out before migration 0005 ordered the feed by commit;
    /// an app holding one continues where it was: the records after it, then those written since, none twice.
    /// </summary>
    [Test]
    public async Task Should_continue_from_a_cursor_given_out_before_the_feed_was_ordered_by_commit()
    {
        var visits = new List<Slip>();
        for (var visit = 1; visit <= 4; visit++) visits.Add(await RegisterVisitAsync(visit));
        await LinkAsync(visits[0]);
        for (var i = 0; i < 3; i++)
        {
            await DispenseAsync(visits[i]);
            await FeedWhenAsync(i + 1);
        }
        long firstSequence;
        await using (var connection = await Api.Database.OpenAsync())
        {
            // As the migration left the records it found: on PostgreSQL their transaction is 0 (SQL Server re-stamped them in
            // feed_sequence order, which records written one after the other already are).
            if (Provider == DatabaseProvider.PostgreSql) await connection.ExecuteAsync("UPDATE notebook_records SET feed_tx = '0'");
            firstSequence = await connection.ExecuteScalarAsync<long>("SELECT MIN(feed_sequence) FROM notebook_records");
        }
        var oldCursor = "c1." + Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(firstSequence.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await DispenseAsync(visits[3]);
        var all = await FeedWhenAsync(4);

        var page = await FeedPageAsync(after: oldCursor);
        var next = await FeedPageAsync(after: page.GetProperty("nextCursor").GetString());

        Assert.Multiple(() =>
        {
            Assert.That(all.Select(r => r.GetProperty("prescriptionId").GetString()), Is.EqualTo(visits.Select(v => v.Id)), "in dispensing order");
            Assert.That(Ids(page.GetProperty("records").EnumerateArray()), Is.EqualTo(Ids(all).Skip(1)), "everything after the old cursor's record, once");
            Assert.That(next.GetProperty("records").GetArrayLength(), Is.Zero);
        });
    }

    /// <summary>
    /// One record made the real way (register, link, dispense, consume), then 999 more copied from it row by row in SQL: a
    /// prescription, a dispensing and a record each, so the feed holds a thousand records of one patient without a thousand
    /// signed lifecycles. The paging is what is under test here; how records are made is covered by the other scenarios.
    /// </summary>
    private async Task AddRecordsAsync()
    {
        var slip = await RegisterVisitAsync();
        await LinkAsync(slip);
        await DispenseAsync(slip);
        await FeedWhenAsync(1);

        await Api.Database.InTransactionAsync<int>(async (connection, transaction) =>
        {
            var source = await connection.QuerySingleAsync<(string Prescription, string Dispensing, string Record)>(
                "SELECT prescription_id, dispensing_id, id FROM notebook_records", transaction: transaction);
            var prescriptionColumns = await ColumnsAsync(connection, transaction, "prescriptions", "id", "content_hash");
            var dispensingColumns = await ColumnsAsync(connection, transaction, "dispensings", "id", "prescription_id", "sequence");
            // The feed position is the copy's own (feed_tx on PostgreSQL, the rowversion feed_version on SQL Server).
            var recordColumns = await ColumnsAsync(connection, transaction, "notebook_records", "id", "dispensing_id", "prescription_id", "feed_sequence", "feed_tx", "feed_version");
            // Fifty copies a command: a few round trips rather than three thousand.
            foreach (var batch in Enumerable.Range(1, Records - 1).Chunk(50))
            {
                var sql = new System.Text.StringBuilder();
                var parameters = new DynamicParameters(new { sourcePrescription = source.Prescription, sourceDispensing = source.Dispensing, sourceRecord = source.Record });
                foreach (var i in batch)
                {
                    parameters.Add($"p{i}", PrescriptionId.New().Value);
                    parameters.Add($"h{i}", Guid.NewGuid().ToString("N"));
                    parameters.Add($"d{i}", $"dsp_copy_{i}");
                    parameters.Add($"r{i}", $"nbr_copy{i:D16}");
                    sql.Append($"INSERT INTO prescriptions (id, content_hash, {prescriptionColumns}) SELECT @p{i}, @h{i}, {prescriptionColumns} FROM prescriptions WHERE id = @sourcePrescription;\n");
                    sql.Append($"INSERT INTO dispensings (id, prescription_id, {dispensingColumns}) SELECT @d{i}, @p{i}, {dispensingColumns} FROM dispensings WHERE id = @sourceDispensing;\n");
                    sql.Append($"INSERT INTO notebook_records (id, dispensing_id, prescription_id, {recordColumns}) SELECT @r{i}, @d{i}, @p{i}, {recordColumns} FROM notebook_records WHERE id = @sourceRecord;\n");
                }
                await connection.ExecuteAsync(sql.ToString(), parameters, transaction);
            }
            return 0;
        });
    }

    private static async Task<string> ColumnsAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string table, params string[] except)
    {
        var row = (IDictionary<string, object?>)await connection.QueryFirstAsync($"SELECT * FROM {table}", transaction: transaction);
        return string.Join(", ", row.Keys.Where(k => !except.Contains(k, StringComparer.OrdinalIgnoreCase)));
    }

    private async Task<List<string>> StoredOrderAsync()
    {
        await using var connection = await Api.Database.OpenAsync();
        return (await connection.QueryAsync<string>("SELECT id FROM notebook_records WHERE app_client_id = @app ORDER BY feed_sequence", new { app = NotebookApp.Id })).ToList();
    }
}
