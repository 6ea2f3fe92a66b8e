using System.Diagnostics;
using EPrescription.LoadGenerator.Documents;
using EPrescription.LoadGenerator.Measuring;

namespace EPrescription.LoadGenerator.Floor;

/// <summary>
/// One lifecycle's steps as a floor times them: <see cref="Next"/> ends the step under way (its latency runs from the end of
/// the one before) and names the next, so a failure is counted against the step that was running.
/// </summary>
internal sealed class Lap
{
    private readonly List<(string Step, long At)> _ends = [];
    private readonly long _start = Stopwatch.GetTimestamp();

    public string Step { get; private set; } = Operations.Register;

    public void Next(string step)
    {
        _ends.Add((Step, Stopwatch.GetTimestamp()));
        Step = step;
    }

    public void Done() => _ends.Add((Step, Stopwatch.GetTimestamp()));

    public IEnumerable<(string Step, long From, long To)> Steps()
    {
        var from = _start;
        foreach (var (step, at) in _ends)
        {
            yield return (step, from, at);
            from = at;
        }
        yield return (Operations.Lifecycle, _start, from);
    }
}

/// <summary>
/// What both floors share: a warm-up that sizes the pool of signed prescriptions, the timed window with N workers each running
/// lifecycles until it closes, the progress lines, per-step latencies, errors by step and the report.
/// </summary>
internal sealed class FloorPhases(FloorOptions options, TextWriter progress, string kind, string name)
{
    private readonly Dictionary<string, Latencies> _latencies = new[]
    {
        Operations.Register, Operations.Receive, Operations.Dispense, Operations.RecordWritten, Operations.Lifecycle,
    }.ToDictionary(o => o, _ => new Latencies(), StringComparer.Ordinal);
    private readonly ErrorCounts _errors = new();
    private long _completed;
    private long _started;

    /// <summary>
    /// Runs the warm-up and the timed window. <paramref name="lifecycle"/> runs one lifecycle of a signed prescription; an
    /// exception <paramref name="causeOf"/> names (a refusal, a database error) counts as that step's error, any other stops the run.
    /// </summary>
    public async Task<Report> RunAsync(PrescriptionPool pool, Func<SignedPrescription, Lap, Task> lifecycle, Func<Exception, string?> causeOf)
    {
        if (options.Warmup > TimeSpan.Zero)
        {
            var warmupClock = Stopwatch.StartNew();
            await RunPhaseAsync($"{name} warm-up", options.Warmup, measured: false, pool, lifecycle, causeOf);
            var warmupRate = Interlocked.Read(ref _started) / warmupClock.Elapsed.TotalSeconds;
            progress.WriteLine($"{char.ToUpperInvariant(name[0])}{name[1..]} warm-up: {warmupRate:0.0} lifecycles/s started.");
            pool.TopUp(options.Pool ?? PrescriptionPool.TargetFor(warmupRate, options.Duration, options.Clients, 5000), progress);
        }

        Interlocked.Exchange(ref _completed, 0);
        Interlocked.Exchange(ref _started, 0);
        var startedAt = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        await RunPhaseAsync(name, options.Duration, measured: true, pool, lifecycle, causeOf);
        var window = clock.Elapsed;
        var completed = Interlocked.Read(ref _completed);
        return new Report(kind, $"{options.Provider}", options.Clients, Environment.ProcessorCount, startedAt,
            Math.Round(window.TotalSeconds, 2), completed, Math.Round(completed / window.TotalSeconds, 1),
            _latencies.ToDictionary(l => l.Key, l => l.Value.Summarise()), _errors.Total, _errors.Snapshot(), 0, pool.Exhausted, null);
    }

    private async Task RunPhaseAsync(string phase, TimeSpan length, bool measured, PrescriptionPool pool,
        Func<SignedPrescription, Lap, Task> lifecycle, Func<Exception, string?> causeOf)
    {
        var end = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
        using var phaseOver = new CancellationTokenSource();
        var report = new Progress(progress, () => Interlocked.Read(ref _completed), () => _errors.Total, null, null)
            .RunAsync(phase, length, phaseOver.Token);
        var workers = Enumerable.Range(0, options.Clients)
            .Select(_ => Task.Run(() => WorkAsync(end, measured, pool, lifecycle, causeOf))).ToList();
        await Task.WhenAll(workers);
        await phaseOver.CancelAsync();
        await report;
    }

    private async Task WorkAsync(long end, bool measured, PrescriptionPool pool, Func<SignedPrescription, Lap, Task> lifecycle,
        Func<Exception, string?> causeOf)
    {
        while (Stopwatch.GetTimestamp() < end)
        {
            if (!pool.TryTake(out var prescription)) return;
            Interlocked.Increment(ref _started);
            var lap = new Lap();
            try
            {
                await lifecycle(prescription, lap);
                lap.Done();
            }
            catch (Exception e) when (causeOf(e) is { } cause)
            {
                _errors.Add(measured ? lap.Step : "(warm-up) " + lap.Step, cause);
                continue;
            }
            Interlocked.Increment(ref _completed);
            if (!measured) continue;
            foreach (var (step, from, to) in lap.Steps()) _latencies[step].Add(from, to);
        }
    }
}
