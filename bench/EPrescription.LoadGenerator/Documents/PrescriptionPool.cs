using System.Collections.Concurrent;

namespace EPrescription.LoadGenerator.Documents;

/// <summary>
/// The pre-signed prescriptions the workers take from, one per lifecycle. Signing happens between phases, never during the
/// timed window, so the generator's CPU goes to sending requests. Running dry ends a worker and marks the run.
/// </summary>
internal sealed class PrescriptionPool(LifecycleDocuments documents)
{
    private readonly ConcurrentQueue<SignedPrescription> _queue = new();

    public int Count => _queue.Count;

    public bool Exhausted { get; private set; }

    public TimeSpan TopUp(int target, TextWriter progress)
    {
        var missing = target - _queue.Count;
        if (missing <= 0) return TimeSpan.Zero;
        progress.WriteLine($"Signing {missing} prescriptions (pool target {target})…");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var prescription in documents.Sign(missing)) _queue.Enqueue(prescription);
        progress.WriteLine($"  signed in {clock.Elapsed.TotalSeconds:0.0} s ({missing / Math.Max(clock.Elapsed.TotalSeconds, 0.001):0}/s)");
        return clock.Elapsed;
    }

    public bool TryTake(out SignedPrescription prescription)
    {
        if (_queue.TryDequeue(out prescription!)) return true;
        Exhausted = true;
        return false;
    }

    /// <summary>
    /// How many to sign for the timed window: the warm-up's rate of lifecycles started over the window, three times over (a
    /// warm-up still paying for JIT and cold caches runs well below the window's rate), and never fewer than 100 a second;
    /// without a warm-up, <paramref name="fallback"/>.
    /// </summary>
    public static int TargetFor(double warmupRate, TimeSpan duration, int clients, int fallback) =>
        warmupRate <= 0 ? fallback : (int)Math.Ceiling(Math.Max(warmupRate * 3, 100) * duration.TotalSeconds) + clients * 20;

    /// <summary>What the warm-up starts with: enough for a fast server's first seconds, so the warm-up itself never runs dry.</summary>
    public static int WarmupTarget(TimeSpan warmup, int clients) => Math.Max(clients * 50, (int)(warmup.TotalSeconds * 400));
}
