using System.Data.Common;
using Dapper;
using EPrescription.Contracts;
using EPrescription.Server.Outbox;
using EPrescription.Server.Prescriptions;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Clinics;

/// <summary>
/// Events of different prescriptions are written by transactions running side by side, so they commit in another order than
/// they were numbered in. A clinic paging with its cursor must never pass an event that commits late (the notebook feed's
/// promise, Notebook/LateCommitTests). The slow change here is a transaction of the test's own that writes its event as the
/// service does (through the outbox writer, with a cancellation of a registered prescription) and stays open; the feed is
/// read over HTTP. On SQLite there is one writer at a time, so nothing can commit while another transaction writes.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class ClinicLateCommitTests(DatabaseProvider provider) : ClinicScenario(provider)
{
    [SetUp]
    public void OnlyWhereWritersOverlap()
    {
        if (Provider == DatabaseProvider.Sqlite)
            Assert.Ignore("SQLite has one writer at a time: a held write transaction blocks every other writer, so nothing can commit after it.");
    }

    [Test]
    public async Task Should_hold_back_a_later_event_until_an_earlier_open_one_commits_and_then_serve_both_in_order()
    {
        var (first, firstCode) = await RegisterVisitAsync(1);
        var (slow, _) = await RegisterVisitAsync(2);
        var (later, laterCode) = await RegisterVisitAsync(3);
        await ReceivedAsync(first, firstCode);
        var start = await EventsWhenAsync(1);
        var cursor = (await EventsPageAsync()).GetProperty("nextCursor").GetString();

        await using var connection = await Api.Database.OpenAsync();
        await using var held = await connection.BeginTransactionAsync();
        var heldEvent = await WriteCancellationAsync(connection, held, slow);

        // Then the service records a receive of another prescription: its event is committed when the answer comes, while the
        // slow one is still open.
        await ReceivedAsync(later, laterCode);
        var whileHeld = await EventsPageAsync(after: cursor);
        var wholeWhileHeld = await EventsAsync();

        await held.CommitAsync();
        // The horizon is the whole cluster's oldest open transaction: other databases' work may hold it back a moment longer,
        // which delays an event and never skips one.
        var afterCommit = whileHeld;
        await EventuallyAsync(async () =>
        {
            afterCommit = await EventsPageAsync(after: whileHeld.GetProperty("nextCursor").GetString());
            return afterCommit.GetProperty("events").GetArrayLength() >= 2;
        }, "both events served from the cursor taken while one was held");
        var whole = await EventsAsync();

        Assert.Multiple(() =>
        {
            Assert.That(whileHeld.GetProperty("events").GetArrayLength(), Is.Zero, "nothing past the open transaction is served");
            Assert.That(whileHeld.GetProperty("hasMore").GetBoolean(), Is.False);
            Assert.That(whileHeld.GetProperty("nextCursor").GetString(), Is.EqualTo(cursor), "the cursor stays where it was");
            Assert.That(Ids(wholeWhileHeld), Is.EqualTo(Ids(start)));
            Assert.That(Kinds(afterCommit.GetProperty("events").EnumerateArray()), Is.EqualTo(new[] { ("cancelled", slow), ("received", later) }).AsCollection,
                "the one that began first comes first");
            Assert.That(Ids(afterCommit.GetProperty("events").EnumerateArray())[0], Is.EqualTo(heldEvent));
            Assert.That(Ids(whole), Is.EqualTo(Ids(start).Concat(Ids(afterCommit.GetProperty("events").EnumerateArray()))), "paging and reading whole agree");
        });
    }

    /// <summary>
    /// Numbering and commit order disagree: the transaction that began first takes the higher feed sequence and commits; the one
    /// that began later took the lower sequence and stays open. Ordering the feed by sequence would put the open one first and
    /// a cursor past the committed one would skip it for good when it commits.
    /// </summary>
    [Test]
    public async Task Should_never_skip_an_event_whose_transaction_took_a_lower_sequence_and_committed_last()
    {
        var (first, firstCode) = await RegisterVisitAsync(1);
        var (early, _) = await RegisterVisitAsync(2);
        var (late, _) = await RegisterVisitAsync(3);
        await ReceivedAsync(first, firstCode);
        var source = Ids(await EventsWhenAsync(1))[0];

        await using var earlyConnection = await Api.Database.OpenAsync();
        await using var earlyTransaction = await earlyConnection.BeginTransactionAsync();
        // PostgreSQL gives a transaction its id at its first write: the early one has the lower id from here on.
        if (Provider == DatabaseProvider.PostgreSql) await earlyConnection.ExecuteAsync("SELECT pg_current_xact_id()", transaction: earlyTransaction);
        await using var lateConnection = await Api.Database.OpenAsync();
        await using var lateTransaction = await lateConnection.BeginTransactionAsync();
        var lateEvent = await WriteCancellationAsync(lateConnection, lateTransaction, late);
        var earlyEvent = await WriteCancellationAsync(earlyConnection, earlyTransaction, early);
        await earlyTransaction.CommitAsync();

        var served = new List<string>();
        var cursor = await PageAllAsync(null, served);
        var servedWhileOpen = served.ToList();
        await lateTransaction.CommitAsync();
        await EventuallyAsync(async () =>
        {
            cursor = await PageAllAsync(cursor, served);
            return served.Contains(lateEvent);
        }, "the late event served from the cursor taken before it committed");
        var whole = Ids(await EventsAsync());
        var (lateSequence, earlySequence) = (await SequenceOfAsync(lateEvent), await SequenceOfAsync(earlyEvent));

        Assert.Multiple(() =>
        {
            Assert.That(servedWhileOpen, Does.Not.Contain(lateEvent), "an uncommitted event is never served");
            Assert.That(served, Is.EquivalentTo(new[] { source, earlyEvent, lateEvent }), "every event once, the late one included");
            Assert.That(served, Is.EqualTo(whole), "paging with cursors gives the feed's order");
            Assert.That(lateSequence, Is.LessThan(earlySequence), "the late one did take the lower sequence");
        });
    }

    /// <summary>Pages from <paramref name="after"/> to the end, adding the ids to <paramref name="served"/>; returns the last cursor.</summary>
    private async Task<string?> PageAllAsync(string? after, List<string> served)
    {
        while (true)
        {
            var page = await EventsPageAsync(after: after, limit: 1);
            served.AddRange(Ids(page.GetProperty("events").EnumerateArray()));
            after = page.GetProperty("nextCursor").GetString();
            if (!page.GetProperty("hasMore").GetBoolean()) return after;
        }
    }

    /// <summary>
    /// Writes, in the caller's transaction, the event a cancellation of <paramref name="prescriptionId"/> writes (through the
    /// service's outbox writer, which appends the clinic event); returns the clinic event's id.
    /// </summary>
    private static async Task<string> WriteCancellationAsync(DbConnection connection, DbTransaction transaction, string prescriptionId)
    {
        var messageId = Guid.NewGuid();
        var now = DateTime.UtcNow;
        await OutboxWriter.AddAsync(connection, transaction, messageId, messageId,
            new PrescriptionCancelled(messageId, messageId, prescriptionId, Clinic.InstitutionCode!, now), now);
        return await connection.QuerySingleAsync<string>("SELECT id FROM clinic_events WHERE prescription_id = @id",
            new { id = PrescriptionId.Parse(prescriptionId).Value }, transaction);
    }

    private async Task<long> SequenceOfAsync(string eventId)
    {
        await using var connection = await Api.Database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT feed_sequence FROM clinic_events WHERE id = @eventId", new { eventId });
    }
}
