using System.Collections.Concurrent;
using System.Diagnostics;
using EPrescription.LoadGenerator.Documents;
using EPrescription.LoadGenerator.Measuring;

namespace EPrescription.LoadGenerator.Http;

internal sealed record RunOptions(Uri Url, int Clients, TimeSpan Duration, TimeSpan Warmup, TimeSpan Drain, TimeSpan PollInterval,
    int? ServerPid, int? Pool, string Certs, string? JsonFile);

/// <summary>
/// Full lifecycles over HTTP: N workers each loop register → receive → dispense with pre-signed documents, while one poller
/// reads the notebook feed and marks each prescription's record as it arrives. A warm-up (JIT, connection pools, the server's
/// caches) runs first and sizes the pool of signed prescriptions for the timed window; after the window the run waits at most
/// the drain timeout for the records still on their way, then stops.
/// </summary>
internal sealed class LifecycleRun(RunOptions options, TextWriter progress)
{
    private readonly ConcurrentDictionary<string, TrackedLifecycle> _lifecycles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Latencies> _latencies = new[]
    {
        Operations.Register, Operations.Receive, Operations.Dispense, Operations.RecordDelivered, Operations.Lifecycle,
    }.ToDictionary(o => o, _ => new Latencies(), StringComparer.Ordinal);
    private readonly ErrorCounts _errors = new();
    private long _completed;
    private long _started;
    private long _completedInWindow;
    private long _windowStart = long.MaxValue;
    private long _windowEnd = long.MaxValue;
    private long _awaitingRecord;

    public async Task<Report> RunAsync()
    {
        using var http = LifecycleClient.CreateHttpClient(options.Url);
        var client = new LifecycleClient(http);
        using var hardStop = new CancellationTokenSource(options.Warmup + options.Duration + options.Drain * 2 + TimeSpan.FromMinutes(10));
        if (!await client.IsReadyAsync(hardStop.Token))
            throw new StepFailed("not ready", $"{options.Url}health/ready does not answer 200: start the server first (bench/run-lifecycle-bench.sh does).");

        var documents = LifecycleDocuments.Load(options.Certs);
        var pool = new PrescriptionPool(documents);
        pool.TopUp(options.Warmup > TimeSpan.Zero ? PrescriptionPool.WarmupTarget(options.Warmup, options.Clients) : options.Pool ?? 5000, progress);

        // One link for each patient the prescriptions are spread over: every dispensing then lands in the dev notebook app's feed.
        await Parallel.ForEachAsync(documents.Sign(LifecycleDocuments.Patients),
            new ParallelOptions { MaxDegreeOfParallelism = options.Clients, CancellationToken = hardStop.Token },
            async (first, token) => await client.LinkNotebookAsync(await client.RegisterAsync(first, token), token));
        var cursor = await SkipExistingRecordsAsync(client, hardStop.Token);
        progress.WriteLine($"Linked the dev notebook app to the {LifecycleDocuments.Patients} patients of the run.");

        using var stopPolling = CancellationTokenSource.CreateLinkedTokenSource(hardStop.Token);
        var poller = PollAsync(client, cursor, stopPolling.Token);

        var warmupRate = 0.0;
        if (options.Warmup > TimeSpan.Zero)
        {
            var warmupClock = Stopwatch.StartNew();
            await RunPhaseAsync("warm-up", options.Warmup, measured: false, client, documents, pool, hardStop.Token);
            warmupRate = Interlocked.Read(ref _started) / warmupClock.Elapsed.TotalSeconds;
            await WaitForRecordsAsync(hardStop.Token);
            progress.WriteLine($"Warm-up: {warmupRate:0.0} lifecycles/s started.");
            pool.TopUp(options.Pool ?? PrescriptionPool.TargetFor(warmupRate, options.Duration, options.Clients, 5000), progress);
        }

        Interlocked.Exchange(ref _completed, 0);
        Interlocked.Exchange(ref _started, 0);
        Interlocked.Exchange(ref _windowStart, Stopwatch.GetTimestamp());
        var startedAt = DateTime.UtcNow;
        await RunPhaseAsync("timed", options.Duration, measured: true, client, documents, pool, hardStop.Token);
        var windowEnd = Stopwatch.GetTimestamp();
        // Lifecycles still in flight when the window closed are timed but not counted in the throughput.
        Interlocked.Exchange(ref _windowEnd, windowEnd);
        var window = Stopwatch.GetElapsedTime(Interlocked.Read(ref _windowStart), windowEnd);

        progress.WriteLine($"Window closed; waiting up to {options.Drain.TotalSeconds:0} s for {Interlocked.Read(ref _awaitingRecord)} records still on their way…");
        await WaitForRecordsAsync(hardStop.Token);
        await stopPolling.CancelAsync();
        await poller;

        var undelivered = _lifecycles.Values.LongCount(l => l.Measured && l.DispensedAt != 0 && l.RecordedAt == 0);
        if (undelivered > 0) _errors.Add(Operations.RecordDelivered, "not in the feed by the end of the drain");
        var completed = Interlocked.Read(ref _completedInWindow);
        return new Report(Report.HttpKind, options.Url.ToString(), options.Clients, Environment.ProcessorCount, startedAt,
            Math.Round(window.TotalSeconds, 2), completed, Math.Round(completed / window.TotalSeconds, 1),
            _latencies.ToDictionary(l => l.Key, l => l.Value.Summarise()), _errors.Total, _errors.Snapshot(), undelivered,
            pool.Exhausted, options.ServerPid is { } pid ? ServerMemory.Read(pid) : null);
    }

    private async Task RunPhaseAsync(string phase, TimeSpan length, bool measured, LifecycleClient client, LifecycleDocuments documents,
        PrescriptionPool pool, CancellationToken hardStop)
    {
        var end = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
        using var phaseOver = CancellationTokenSource.CreateLinkedTokenSource(hardStop);
        var report = new Progress(progress, () => Interlocked.Read(ref _completed), () => _errors.Total,
            () => Interlocked.Read(ref _awaitingRecord), options.ServerPid).RunAsync(phase, length, phaseOver.Token);
        var workers = Enumerable.Range(0, options.Clients)
            .Select(_ => Task.Run(() => WorkAsync(end, measured, client, documents, pool, hardStop), hardStop))
            .ToList();
        await Task.WhenAll(workers);
        await phaseOver.CancelAsync();
        await report;
    }

    private async Task WorkAsync(long end, bool measured, LifecycleClient client, LifecycleDocuments documents, PrescriptionPool pool,
        CancellationToken hardStop)
    {
        while (Stopwatch.GetTimestamp() < end && !hardStop.IsCancellationRequested)
        {
            if (!pool.TryTake(out var prescription)) return;
            Interlocked.Increment(ref _started);
            var step = Operations.Register;
            try
            {
                var started = Stopwatch.GetTimestamp();
                var registered = await client.RegisterAsync(prescription, hardStop);
                var lifecycle = new TrackedLifecycle(started, measured);
                _lifecycles[registered.PrescriptionId] = lifecycle;
                var t1 = Stopwatch.GetTimestamp();

                step = Operations.Receive;
                await client.ReceiveAsync(registered, hardStop);
                var t2 = Stopwatch.GetTimestamp();

                step = Operations.Dispense;
                Interlocked.Increment(ref _awaitingRecord);
                try
                {
                    await client.DispenseAsync(registered, documents.DispenseBody, hardStop);
                }
                catch
                {
                    Interlocked.Decrement(ref _awaitingRecord);
                    throw;
                }
                var t3 = Stopwatch.GetTimestamp();
                if (measured)
                {
                    _latencies[Operations.Register].Add(started, t1);
                    _latencies[Operations.Receive].Add(t1, t2);
                    _latencies[Operations.Dispense].Add(t2, t3);
                }
                if (lifecycle.Dispensed(t3)) Complete(lifecycle);
            }
            catch (StepFailed e)
            {
                _errors.Add(measured ? step : "(warm-up) " + step, e.Cause);
            }
            catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void Complete(TrackedLifecycle lifecycle)
    {
        Interlocked.Decrement(ref _awaitingRecord);
        var done = Math.Max(lifecycle.DispensedAt, lifecycle.RecordedAt);
        Interlocked.Increment(ref _completed);
        if (!lifecycle.Measured) return;
        if (done <= Interlocked.Read(ref _windowEnd)) Interlocked.Increment(ref _completedInWindow);
        // The record can show in the feed before the dispensing's answer reaches the worker: then it took no time at all.
        _latencies[Operations.RecordDelivered].Add(lifecycle.DispensedAt, Math.Max(lifecycle.DispensedAt, lifecycle.RecordedAt));
        _latencies[Operations.Lifecycle].Add(lifecycle.RegisterStarted, done);
    }

    /// <summary>Reads the feed to its end before the run, so records of earlier runs are not read again.</summary>
    private static async Task<string?> SkipExistingRecordsAsync(LifecycleClient client, CancellationToken ct)
    {
        string? cursor = null;
        while (true)
        {
            var page = await client.ReadFeedAsync(cursor, ct);
            cursor = page.NextCursor ?? cursor;
            if (!page.HasMore) return cursor;
        }
    }

    private async Task PollAsync(LifecycleClient client, string? cursor, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var page = await client.ReadFeedAsync(cursor, stop);
                var at = Stopwatch.GetTimestamp();
                foreach (var record in page.Records)
                {
                    if (_lifecycles.TryGetValue(record.PrescriptionId, out var lifecycle) && lifecycle.Recorded(at)) Complete(lifecycle);
                }
                cursor = page.NextCursor ?? cursor;
                if (!page.HasMore) await Task.Delay(options.PollInterval, stop);
            }
            catch (StepFailed e)
            {
                _errors.Add("feed", e.Cause);
                await Task.Delay(options.PollInterval, CancellationToken.None);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task WaitForRecordsAsync(CancellationToken hardStop)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(options.Drain.TotalSeconds * Stopwatch.Frequency);
        while (Interlocked.Read(ref _awaitingRecord) > 0 && Stopwatch.GetTimestamp() < deadline && !hardStop.IsCancellationRequested)
            await Task.Delay(50, CancellationToken.None);
    }
}
