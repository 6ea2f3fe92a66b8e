using System.Data.Common;
using Dapper;
using EPrescription.Server.Prescriptions;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Notebook;

/// <summary>
/// Records commit in another order than they were numbered in when several writers run at once (several notebook-sync
/// processes, patients in parallel). An app paging with its cursor must never pass a record that commits late: the feed holds
/// back what could still be overtaken and serves it, in order, once it cannot. The slow writer here is a transaction of the
/// test's own, on its own connection, that inserts a record as the record writer does and stays open; the feed is read over
/// HTTP. On SQLite there is one writer at a time, so no record can commit while another transaction writes: nothing to test.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class LateCommitTests(DatabaseProvider provider) : NotebookScenario(provider)
{
    [SetUp]
    public void OnlyWhereWritersOverlap()
    {
        if (Provider == DatabaseProvider.Sqlite)
            Assert.Ignore("SQLite has one writer at a time: a held write transaction blocks every other writer, so nothing can commit after it.");
    }

    [Test]
    public async Task Should_hold_back_a_later_record_until_an_earlier_open_one_commits_and_then_serve_both_in_order()
    {
        // Two patients of one app: the first has a record; the second's is being written by a slow transaction.
        var first = await RegisterVisitAsync(1, patient: 1);
        await LinkAsync(first);
        await DispenseAsync(first);
        var start = await FeedWhenAsync(1);
        var cursor = (await FeedPageAsync()).GetProperty("nextCursor").GetString();
        var second = await RegisterVisitAsync(1, patient: 2);
        await LinkAsync(second);

        await using var slow = await Api.Database.OpenAsync();
        await using var held = await slow.BeginTransactionAsync();
        var heldRecord = await InsertRecordLikeAsync(slow, held, Ids(start)[0], patientOf: second);

        // Then the first patient's next visit is recorded by the service and commits while the slow one is still open.
        var next = await RegisterVisitAsync(2, patient: 1);
        await DispenseAsync(next);
        await EventuallyAsync(async () => await Api.CountAsync("notebook_records", "prescription_id = @id", new { id = PrescriptionId.Parse(next.Id).Value }) == 1,
            "the later record committed");
        var whileHeld = await FeedPageAsync(after: cursor);
        var wholeWhileHeld = await FeedAsync();

        await held.CommitAsync();
        // The horizon is the whole cluster's oldest open transaction: other databases' work (test projects running at once, or
        // another service on the same server) may hold it back a moment longer, which delays a record and never skips one.
        var afterCommit = await FeedPageAsync(after: whileHeld.GetProperty("nextCursor").GetString());
        await EventuallyAsync(async () =>
        {
            afterCommit = await FeedPageAsync(after: whileHeld.GetProperty("nextCursor").GetString());
            return afterCommit.GetProperty("records").GetArrayLength() >= 2;
        }, "both records served from the cursor taken while one was held");
        var whole = await FeedAsync();

        Assert.Multiple(() =>
        {
            Assert.That(whileHeld.GetProperty("records").GetArrayLength(), Is.Zero, "nothing past the open transaction is served");
            Assert.That(whileHeld.GetProperty("hasMore").GetBoolean(), Is.False);
            Assert.That(whileHeld.GetProperty("nextCursor").GetString(), Is.EqualTo(cursor), "the cursor stays where it was");
            Assert.That(Ids(wholeWhileHeld), Is.EqualTo(Ids(start)));
            Assert.That(Ids(afterCommit.GetProperty("records").EnumerateArray()), Has.Count.EqualTo(2));
            Assert.That(Ids(afterCommit.GetProperty("records").EnumerateArray())[0], Is.EqualTo(heldRecord), "the one that began first comes first");
            Assert.That(afterCommit.GetProperty("records")[1].GetProperty("prescriptionId").GetString(), Is.EqualTo(next.Id));
            Assert.That(Ids(whole), Is.EqualTo(Ids(start).Concat(Ids(afterCommit.GetProperty("records").EnumerateArray()))), "paging and reading whole agree");
        });
    }

    /// <summary>
    /// Numbering and commit order disagree: the transaction that began first takes the higher feed sequence and commits; the one
    /// that began later took the lower sequence and stays open. Ordering the feed by sequence would put the open one first and
    /// a cursor past the committed one would skip it for good when it commits.
    /// </summary>
    [Test]
    public async Task Should_never_skip_a_record_whose_transaction_took_a_lower_sequence_and_committed_last()
    {
        var first = await RegisterVisitAsync(1, patient: 1);
        await LinkAsync(first);
        await DispenseAsync(first);
        var source = Ids(await FeedWhenAsync(1))[0];
        var second = await RegisterVisitAsync(1, patient: 2);
        await LinkAsync(second);

        await using var earlyConnection = await Api.Database.OpenAsync();
        await using var early = await earlyConnection.BeginTransactionAsync();
        // PostgreSQL gives a transaction its id at its first write: the early one has the lower id from here on.
        if (Provider == DatabaseProvider.PostgreSql) await earlyConnection.ExecuteAsync("SELECT pg_current_xact_id()", transaction: early);
        await using var lateConnection = await Api.Database.OpenAsync();
        await using var late = await lateConnection.BeginTransactionAsync();
        var lateRecord = await InsertRecordLikeAsync(lateConnection, late, source, patientOf: second);
        var earlyRecord = await InsertRecordLikeAsync(earlyConnection, early, source, patientOf: null);
        await early.CommitAsync();

        var served = new List<string>();
        var cursor = await PageAllAsync(null, served);
        var servedWhileOpen = served.ToList();
        await late.CommitAsync();
        // The cursor taken while the late record was open must still lead to it; other databases' open transactions on the
        // same cluster may hold the horizon back a moment (a delay, never a skip), so page on until it comes or time runs out.
        await EventuallyAsync(async () =>
        {
            cursor = await PageAllAsync(cursor, served);
            return served.Contains(lateRecord);
        }, "the late record served from the cursor taken before it committed");
        var whole = Ids(await FeedAsync());
        var (lateSequence, earlySequence) = (await SequenceOfAsync(lateRecord), await SequenceOfAsync(earlyRecord));

        Assert.Multiple(() =>
        {
            Assert.That(servedWhileOpen, Does.Not.Contain(lateRecord), "an uncommitted record is never served");
            Assert.That(served, Is.EquivalentTo(new[] { source, earlyRecord, lateRecord }), "every record once, the late one included");
            Assert.That(served, Is.EqualTo(whole), "paging with cursors gives the feed's order");
            Assert.That(lateSequence, Is.LessThan(earlySequence), "the late one did take the lower sequence");
        });
    }

    /// <summary>Pages from <paramref name="after"/> to the end, adding the ids to <paramref name="served"/>; returns the last cursor.</summary>
    private async Task<string?> PageAllAsync(string? after, List<string> served)
    {
        while (true)
        {
            var page = await FeedPageAsync(after: after, limit: 1);
            served.AddRange(Ids(page.GetProperty("records").EnumerateArray()));
            after = page.GetProperty("nextCursor").GetString();
            if (!page.GetProperty("hasMore").GetBoolean()) return after;
        }
    }

    /// <summary>
    /// Inserts, in the caller's transaction, a record as the record writer would: a copy of <paramref name="sourceRecordId"/>'s
    /// row for a new prescription and dispensing (copied too), of the patient linked through <paramref name="patientOf"/>'s slip
    /// when given. The feed position (sequence, and the commit key where there is one) is the new row's own. Returns its id.
    /// </summary>
    private async Task<string> InsertRecordLikeAsync(DbConnection connection, DbTransaction transaction, string sourceRecordId, Slip? patientOf)
    {
        var source = await connection.QuerySingleAsync<(string Prescription, string Dispensing)>(
            "SELECT prescription_id, dispensing_id FROM notebook_records WHERE id = @sourceRecordId", new { sourceRecordId }, transaction);
        var prescriptionColumns = await ColumnsAsync(connection, transaction, "prescriptions", "id", "content_hash");
        var dispensingColumns = await ColumnsAsync(connection, transaction, "dispensings", "id", "prescription_id", "sequence", "patient_key");
        var recordColumns = await ColumnsAsync(connection, transaction, "notebook_records",
            "id", "dispensing_id", "prescription_id", "feed_sequence", "feed_tx", "feed_version", "link_id", "patient_key");
        var prescription = PrescriptionId.New().Value;
        var dispensing = "dsp_late_" + Guid.NewGuid().ToString("N")[..12];
        var record = "nbr_" + Guid.NewGuid().ToString("N")[..24];
        var (link, patientKey) = await connection.QuerySingleAsync<(string, string)>(patientOf is null
            ? "SELECT link_id, patient_key FROM notebook_records WHERE id = @sourceRecordId"
            : "SELECT l.id, l.patient_key FROM notebook_links l JOIN prescriptions p ON p.patient_key = l.patient_key WHERE p.id = @id AND l.app_client_id = @app",
            new { sourceRecordId, id = patientOf is null ? null : PrescriptionId.Parse(patientOf.Id).Value, app = NotebookApp.Id }, transaction);
        await connection.ExecuteAsync(
            $"""
            INSERT INTO prescriptions (id, content_hash, {prescriptionColumns}) SELECT @prescription, @hash, {prescriptionColumns} FROM prescriptions WHERE id = @sourcePrescription;
            INSERT INTO dispensings (id, prescription_id, patient_key, {dispensingColumns}) SELECT @dispensing, @prescription, @patientKey, {dispensingColumns} FROM dispensings WHERE id = @sourceDispensing;
            INSERT INTO notebook_records (id, dispensing_id, prescription_id, link_id, patient_key, {recordColumns})
            SELECT @record, @dispensing, @prescription, @link, @patientKey, {recordColumns} FROM notebook_records WHERE id = @sourceRecordId;
            """,
            new
            {
                prescription, hash = Guid.NewGuid().ToString("N"), dispensing, record, link, patientKey,
                sourcePrescription = source.Prescription, sourceDispensing = source.Dispensing, sourceRecordId,
            }, transaction);
        return record;
    }

    private static async Task<string> ColumnsAsync(DbConnection connection, DbTransaction transaction, string table, params string[] except)
    {
        var row = (IDictionary<string, object?>)await connection.QueryFirstAsync($"SELECT * FROM {table}", transaction: transaction);
        return string.Join(", ", row.Keys.Where(k => !except.Contains(k, StringComparer.OrdinalIgnoreCase)));
    }

    private async Task<long> SequenceOfAsync(string recordId)
    {
        await using var connection = await Api.Database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT feed_sequence FROM notebook_records WHERE id = @recordId", new { recordId });
    }
}
