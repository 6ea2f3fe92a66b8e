using System.Diagnostics;

namespace EPrescription.LoadGenerator.Measuring;

/// <summary>p50/p95/p99/max of one operation, in milliseconds.</summary>
internal sealed record LatencySummary(long Count, double P50, double P95, double P99, double Max, double Mean);

/// <summary>Every sample of one operation (a minute of load is at most some hundred thousand doubles), summarised at the end.</summary>
internal sealed class Latencies
{
    private readonly List<double> _milliseconds = [];

    public void Add(long startTimestamp, long endTimestamp) => Add(Stopwatch.GetElapsedTime(startTimestamp, endTimestamp).TotalMilliseconds);

    public void Add(double milliseconds)
    {
        lock (_milliseconds) _milliseconds.Add(Math.Max(0, milliseconds));
    }

    public LatencySummary Summarise()
    {
        double[] sorted;
        lock (_milliseconds) sorted = [.. _milliseconds];
        if (sorted.Length == 0) return new LatencySummary(0, 0, 0, 0, 0, 0);
        Array.Sort(sorted);
        // Nearest rank: the smallest sample with at least p of all samples at or below it.
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencySummary(sorted.Length, Round(At(0.50)), Round(At(0.95)), Round(At(0.99)), Round(sorted[^1]), Round(sorted.Average()));
    }

    private static double Round(double value) => Math.Round(value, 2);
}

/// <summary>The operations a lifecycle is timed by, in report order.</summary>
internal static class Operations
{
    public const string Register = "register";
    public const string Receive = "receive";
    public const string Dispense = "dispense";
    public const string RecordDelivered = "record delivered";
    public const string RecordWritten = "notebook record";
    public const string Lifecycle = "lifecycle";
}
