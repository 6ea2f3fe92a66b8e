using System.Data;
using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace EPrescription.Server.Storage;

/// <summary>
/// SQLite's one writer, with group commit. SQLite lets one connection write at a time; the service's write transactions queue
/// here and one loop runs them on one connection that only it writes with. Whatever is waiting when the loop takes its turn
/// runs in one SQLite transaction, each piece of work inside its own savepoint, and is committed once:
/// <list type="bullet">
/// <item>a piece of work that throws is rolled back to its savepoint alone and its caller gets the exception, after the group's
/// commit (so what an earlier work of the group wrote is committed when the caller hears); the others go on;</item>
/// <item>no caller is answered before the commit that makes its work durable (to the process: WAL, synchronous=NORMAL); if
/// the commit fails, every caller of the group gets that failure and nothing of the group is kept;</item>
/// <item>work runs in the order it was queued, so a later transaction sees the earlier ones as before.</item>
/// </list>
/// Why: a commit writes every page the transaction touched to the WAL (and the commit that crosses the WAL's size limit
/// checkpoints and syncs: see the checkpointer below). Under load, N transactions that each touch the same index pages wrote them N times; in a group they are written once. A writer
/// connection that nobody else writes with also keeps its page cache (a connection's cache is dropped when another connection
/// writes), and one loop running the queue saves a thread hand-off per transaction. An idle writer gives its connection back
/// to the pool after <see cref="IdleClose"/>. With one transaction waiting, it runs alone, exactly as before.
/// </summary>
internal sealed class SqliteGroupCommit(Database database)
{
    /// <summary>The most work one commit carries; more waits for the next one, which keeps a group's latency bounded.</summary>
    internal const int MaxGroup = 64;

    private static readonly TimeSpan IdleClose = TimeSpan.FromSeconds(2);

    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private int _started;

    private sealed record Work(Func<DbConnection, DbTransaction, Task<object?>> Run, bool Announce, long StartedAt, CancellationToken Cancellation,
        ExecutionContext? Context)
    {
        public readonly TaskCompletionSource<object?> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public object? Result;
    }

    public async Task<object?> RunAsync(Func<DbConnection, DbTransaction, Task<object?>> run, bool announce, long startedAt, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // The work runs on the writer's loop but in its caller's execution context: the request's trace (the outbox row keeps
        // its traceparent), log scopes and other async-locals, as when it ran on the caller's own thread.
        var work = new Work(run, announce, startedAt, cancellationToken, ExecutionContext.Capture());
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            // The loop itself belongs to no caller: started without the first caller's context.
            using (ExecutionContext.SuppressFlow()) _ = Task.Run(LoopAsync, CancellationToken.None);
        }
        _queue.Writer.TryWrite(work);
        return await work.Done.Task;
    }

    private async Task LoopAsync()
    {
        var group = new List<Work>(MaxGroup);
        SqliteConnection? connection = null;
        while (await _queue.Reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < MaxGroup && _queue.Reader.TryRead(out var work))
            {
                if (work.Cancellation.IsCancellationRequested) work.Done.TrySetCanceled(work.Cancellation);
                else group.Add(work);
            }
            if (group.Count == 0) continue;
            try
            {
                if (connection is null)
                {
                    connection = await OpenWriterAsync();
                    StartCheckpointer();
                }
                await CommitGroupAsync(connection, group);
            }
            catch (Exception failure)
            {
                // The transaction could not be begun or committed (or a savepoint could not be rolled back): nothing of the
                // group is kept, every caller still waiting gets the failure, and the next group starts on a fresh connection.
                foreach (var work in group) work.Done.TrySetException(failure);
                if (connection is not null) await DisposeQuietlyAsync(connection);
                connection = null;
                await StopCheckpointerAsync();
            }
            if (connection is not null && !_queue.Reader.TryPeek(out _) && !await MoreWorkWithinAsync(IdleClose))
            {
                await DisposeQuietlyAsync(connection);
                connection = null;
                await StopCheckpointerAsync();
            }
        }
    }

    /// <summary>
    /// The writer's connection keeps a larger page cache than a reader's (its pages stay valid: nobody else writes), given back
    /// when it returns to the pool.
    /// </summary>
    private async Task<SqliteConnection> OpenWriterAsync()
    {
        var connection = (SqliteConnection)await database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA cache_size=-{WriterCacheKiB}";
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    private const int WriterCacheKiB = 32 * 1024;

    /// <summary>How often the checkpointer copies the WAL's committed pages into the database file while the writer works.</summary>
    private static readonly TimeSpan CheckpointEvery = TimeSpan.FromMilliseconds(50);

    private CancellationTokenSource? _checkpointing;
    private Task _checkpointer = Task.CompletedTask;

    /// <summary>
    /// Checkpoints beside the writer. SQLite's automatic checkpoint runs inside the commit that crosses the WAL's size limit, so
    /// the writer, and every transaction queued behind it, waits while thousands of pages are copied and synced (up to 200 ms
    /// at 10,000 pages). A passive checkpoint on another connection does the copying without the write lock; the writer's own
    /// automatic checkpoint (every 10,000 pages, <see cref="Database"/>) then finds little left, and the WAL starts over.
    /// Runs while the writer holds its connection (under load), stops when it goes idle.
    /// </summary>
    private void StartCheckpointer()
    {
        _checkpointing = new CancellationTokenSource();
        var stop = _checkpointing.Token;
        using (ExecutionContext.SuppressFlow()) _checkpointer = Task.Run(() => CheckpointLoopAsync(stop), CancellationToken.None);
    }

    private async Task StopCheckpointerAsync()
    {
        if (_checkpointing is null) return;
        await _checkpointing.CancelAsync();
        try
        {
            await _checkpointer;
        }
        catch (Exception)
        {
            // Whatever stopped the checkpointer must not stop the writer; the automatic checkpoint covers for it.
        }
        _checkpointing.Dispose();
        _checkpointing = null;
    }

    private async Task CheckpointLoopAsync(CancellationToken stop)
    {
        SqliteConnection? connection = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(CheckpointEvery, stop);
                try
                {
                    connection ??= (SqliteConnection)await database.OpenAsync(stop);
                    await using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                    await command.ExecuteNonQueryAsync(stop);
                }
                catch (Exception failure) when (failure is not OperationCanceledException || !stop.IsCancellationRequested)
                {
                    // Busy or failed: the writer's automatic checkpoint still runs; try again on a fresh connection next time.
                    if (connection is not null) await DisposeQuietlyAsync(connection);
                    connection = null;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The writer went idle.
        }
        finally
        {
            if (connection is not null) await DisposeQuietlyAsync(connection);
        }
    }

    private async Task<bool> MoreWorkWithinAsync(TimeSpan wait)
    {
        using var idle = new CancellationTokenSource(wait);
        try
        {
            return await _queue.Reader.WaitToReadAsync(idle.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task CommitGroupAsync(SqliteConnection connection, List<Work> group)
    {
        // BEGIN IMMEDIATE: the write lock up front, so another process's writer waits on the busy timeout instead of deadlocking.
        await using var transaction = connection.BeginTransaction(IsolationLevel.Serializable, deferred: false);
        var alone = group.Count == 1;
        var kept = new List<Work>(group.Count);
        // Failures are told after the group's commit: a caller that lost a race on a unique key to an earlier work of the same
        // group (two identical registrations) looks up the winner's answer as soon as it hears, and must find it committed.
        var failed = new List<(Work Work, Exception Failure)>();
        try
        {
            foreach (var work in group)
            {
                if (work.Cancellation.IsCancellationRequested)
                {
                    work.Done.TrySetCanceled(work.Cancellation);
                    continue;
                }
                var counted = Telemetry.DomainMeters.PendingMark(transaction);
                if (!alone) transaction.Save("work");
                try
                {
                    work.Result = await RunInCallersContext(work, connection, transaction);
                    if (!alone) transaction.Release("work");
                    kept.Add(work);
                }
                catch (Exception failure) when (alone)
                {
                    await transaction.RollbackAsync();
                    Telemetry.DomainMeters.ForgetSince(transaction, counted);
                    work.Done.TrySetException(failure);
                    return;
                }
                catch (Exception failure)
                {
                    // Only this work is undone; a failure to roll back the savepoint leaves the transaction unknown, so the whole
                    // group fails (the catch in the loop).
                    transaction.Rollback("work");
                    transaction.Release("work");
                    Telemetry.DomainMeters.ForgetSince(transaction, counted);
                    failed.Add((work, failure));
                }
            }
            await transaction.CommitAsync();
        }
        finally
        {
            // Before the loop's catch tells the rest of the group a failed commit: these callers get their own failure.
            foreach (var (work, failure) in failed) work.Done.TrySetException(failure);
        }
        var announce = false;
        foreach (var work in kept)
        {
            using (var counts = Telemetry.DomainMeters.Watch(transaction, database.Dialect.SystemName, work.StartedAt)) counts.Commit();
            announce |= work.Announce;
        }
        Telemetry.DomainMeters.ForgetSince(transaction, 0);
        if (announce) database.AnnounceCommit();
        foreach (var work in kept) work.Done.TrySetResult(work.Result);
    }

    private static Task<object?> RunInCallersContext(Work work, SqliteConnection connection, DbTransaction transaction)
    {
        if (work.Context is null) return work.Run(connection, transaction);
        Task<object?>? running = null;
        ExecutionContext.Run(work.Context, _ => running = work.Run(connection, transaction), null);
        return running!;
    }

    private static async Task DisposeQuietlyAsync(SqliteConnection connection)
    {
        try
        {
            await using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA cache_size=-2000; PRAGMA shrink_memory";
                await command.ExecuteNonQueryAsync();
            }
            await connection.DisposeAsync();
        }
        catch (Exception)
        {
            // A connection that failed is closed as well as it can be; the next group opens another. Nothing here may stop
            // the writer's loop, which every write transaction of the process waits for.
        }
    }
}
