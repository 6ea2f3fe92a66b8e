using Dapper;
using EPrescription.Server.Storage;

namespace EPrescription.Server.Tests.Storage;

/// <summary>
/// SQLite's one writer commits the transactions waiting together (group commit). What callers rely on: each transaction is
/// still all or nothing for its caller, one that throws is undone alone, later ones see earlier ones, the caller's async-locals
/// (trace, log scopes) are there inside the work, and a failed commit fails every caller of the group without keeping anything.
/// A real SQLite file per test; the writer is held busy by a first transaction so the others queue and are grouped.
/// </summary>
public class SqliteGroupCommitTests
{
    private string _folder = "";
    private Database _database = null!;

    [SetUp]
    public async Task CreateAsync()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"eprx-group-commit-{Guid.NewGuid():N}");
        _database = new Database(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(_folder, "test.db")}");
        await using var connection = await _database.OpenAsync();
        await connection.ExecuteAsync(
            """
            CREATE TABLE items (id INTEGER PRIMARY KEY, caller INTEGER NOT NULL);
            CREATE TABLE owners (id INTEGER PRIMARY KEY);
            CREATE TABLE owned (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES owners (id) DEFERRABLE INITIALLY DEFERRED);
            """);
    }

    [TearDown]
    public void Remove()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    /// <summary>
    /// Starts a transaction that holds the writer; the returned step, called once the test has queued its transactions, waits
    /// until they are all queued, lets the writer go and waits for the holding transaction, so the queued ones form a group.
    /// </summary>
    private Func<Task> HoldTheWriter()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = _database.InTransactionAsync(async (connection, transaction) =>
        {
            entered.SetResult();
            await release.Task;
        });
        entered.Task.Wait(TimeSpan.FromSeconds(10));
        return async () =>
        {
            await Task.Delay(200); // every transaction started before this is queued behind the held writer
            release.SetResult();
            await holding;
        };
    }

    [Test]
    public async Task Should_undo_only_the_transaction_that_threw_and_commit_the_others_of_its_group_together()
    {
        var releaseTheQueue = HoldTheWriter();
        var transactions = new System.Collections.Concurrent.ConcurrentBag<object>();
        var callers = Enumerable.Range(1, 20).Select(caller => _database.InTransactionAsync(async (connection, transaction) =>
        {
            transactions.Add(transaction);
            await connection.ExecuteAsync("INSERT INTO items (caller) VALUES (@caller)", new { caller }, transaction);
            await connection.ExecuteAsync("INSERT INTO items (caller) VALUES (@caller)", new { caller }, transaction);
            if (caller % 3 == 0) throw new InvalidOperationException($"caller {caller} changed its mind");
            return caller;
        })).ToList();
        await releaseTheQueue();

        foreach (var (caller, task) in Enumerable.Range(1, 20).Zip(callers))
        {
            if (caller % 3 == 0)
                Assert.That(async () => await task, Throws.InvalidOperationException.With.Message.Contains($"caller {caller}"));
            else
                Assert.That(await task, Is.EqualTo(caller));
        }
        await using var connection = await _database.OpenAsync();
        var stored = (await connection.QueryAsync<int>("SELECT caller FROM items ORDER BY id")).ToList();
        var kept = Enumerable.Range(1, 20).Where(c => c % 3 != 0).SelectMany(c => new[] { c, c }).ToList();
        Assert.That(stored, Is.EqualTo(kept), "each kept caller's two rows, in queue order; none of a caller that threw");
        Assert.That(transactions.Distinct().Count(), Is.LessThan(20), "the queued transactions shared commits (group commit)");
    }

    [Test]
    public async Task Should_let_a_later_transaction_of_the_group_see_what_an_earlier_one_wrote()
    {
        var releaseTheQueue = HoldTheWriter();
        var first = _database.InTransactionAsync((connection, transaction) =>
            connection.ExecuteAsync("INSERT INTO items (id, caller) VALUES (1, 1)", transaction: transaction));
        var second = _database.InTransactionAsync((connection, transaction) =>
            connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM items WHERE id = 1", transaction: transaction));
        await releaseTheQueue();
        await first;

        Assert.That(await second, Is.EqualTo(1));
    }

    [Test]
    public async Task Should_tell_a_caller_that_lost_a_unique_key_to_an_earlier_work_of_its_group_after_that_work_committed()
    {
        var releaseTheQueue = HoldTheWriter();
        var winner = _database.InTransactionAsync((connection, transaction) =>
            connection.ExecuteAsync("INSERT INTO items (id, caller) VALUES (5, 1)", transaction: transaction));
        var loser = _database.InTransactionAsync((connection, transaction) =>
            connection.ExecuteAsync("INSERT INTO items (id, caller) VALUES (5, 2)", transaction: transaction));
        await releaseTheQueue();

        long visibleWhenToldOfTheFailure = -1;
        try
        {
            await loser;
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            // What a registration does on a unique violation: read the winner's answer on another connection at once.
            await using var reader = await _database.OpenAsync();
            visibleWhenToldOfTheFailure = await reader.ExecuteScalarAsync<long>("SELECT caller FROM items WHERE id = 5");
        }
        await winner;
        Assert.That(visibleWhenToldOfTheFailure, Is.EqualTo(1), "the winner's row was committed when the loser heard of its failure");
    }

    private static readonly AsyncLocal<string?> CallerValue = new();

    [Test]
    public async Task Should_run_each_transaction_with_its_callers_async_locals()
    {
        var releaseTheQueue = HoldTheWriter();
        var seen = Enumerable.Range(1, 5).Select(caller => Task.Run(() =>
        {
            CallerValue.Value = $"caller {caller}";
            return _database.InTransactionAsync((_, _) => Task.FromResult(CallerValue.Value));
        })).ToList();
        await releaseTheQueue();

        Assert.That(await Task.WhenAll(seen), Is.EqualTo(Enumerable.Range(1, 5).Select(c => $"caller {c}").ToArray()));
        Assert.That(CallerValue.Value, Is.Null, "the writer's loop did not keep a caller's values");
    }

    [Test]
    public async Task Should_fail_every_caller_of_a_group_whose_commit_fails_and_keep_none_of_it()
    {
        var releaseTheQueue = HoldTheWriter();
        var good = _database.InTransactionAsync((connection, transaction) =>
            connection.ExecuteAsync("INSERT INTO items (id, caller) VALUES (7, 7)", transaction: transaction));
        // A deferred foreign key is checked at the commit, which then fails for the whole group.
        var bad = _database.InTransactionAsync((connection, transaction) =>
            connection.ExecuteAsync("INSERT INTO owned (id, owner) VALUES (1, 42)", transaction: transaction));
        await releaseTheQueue();

        Assert.That(async () => await good, Throws.InstanceOf<Microsoft.Data.Sqlite.SqliteException>());
        Assert.That(async () => await bad, Throws.InstanceOf<Microsoft.Data.Sqlite.SqliteException>());
        await using var connection = await _database.OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM items"), Is.Zero);

        // The writer goes on with the next transaction.
        await _database.InTransactionAsync((c, t) => c.ExecuteAsync("INSERT INTO items (id, caller) VALUES (8, 8)", transaction: t));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM items"), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_roll_back_a_transaction_that_runs_alone_and_throws()
    {
        Assert.That(async () => await _database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync("INSERT INTO items (id, caller) VALUES (1, 1)", transaction: transaction);
            throw new InvalidOperationException("refused");
        }), Throws.InvalidOperationException);
        await _database.InTransactionAsync((c, t) => c.ExecuteAsync("INSERT INTO items (id, caller) VALUES (2, 2)", transaction: t));

        await using var connection = await _database.OpenAsync();
        Assert.That((await connection.QueryAsync<int>("SELECT id FROM items")).ToList(), Is.EqualTo(new[] { 2 }));
    }
}
