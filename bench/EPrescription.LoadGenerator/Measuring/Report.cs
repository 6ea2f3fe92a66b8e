using System.Text.Json;
using System.Text.Json.Serialization;

namespace EPrescription.LoadGenerator.Measuring;

/// <summary>What one run measured; printed as text and optionally written as JSON for <c>--compare</c>.</summary>
internal sealed record Report(
    string Kind,
    string Target,
    int Clients,
    int Cores,
    DateTime StartedAtUtc,
    double WindowSeconds,
    long Lifecycles,
    double LifecyclesPerSecond,
    IReadOnlyDictionary<string, LatencySummary> Latencies,
    long ErrorTotal,
    IReadOnlyDictionary<string, long> Errors,
    long Undelivered,
    bool PoolExhausted,
    ServerMemory? ServerMemory)
{
    public const string HttpKind = "lifecycles";
    /// <summary>The use-case handlers in process (no HTTP, no bus).</summary>
    public const string HandlerFloorKind = "handler-floor";
    /// <summary>Two BouncyCastle verifications and raw SQL commits per lifecycle: the work itself.</summary>
    public const string PhysicalFloorKind = "physical-floor";

    public bool IsFloor => Kind is HandlerFloorKind or PhysicalFloorKind;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public void Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine(Kind switch
        {
            HandlerFloorKind => $"Handler floor ({Target}): the use-case handlers, {Clients} workers in process, no HTTP, no bus, {Cores} cores",
            PhysicalFloorKind => $"Physical floor ({Target}): two BouncyCastle verifications and raw SQL commits per lifecycle, {Clients} workers, {Cores} cores",
            _ => $"Lifecycles against {Target}: {Clients} clients, {Cores} cores on this machine",
        });
        output.WriteLine($"  window            {WindowSeconds:0.0} s");
        output.WriteLine($"  lifecycles        {Lifecycles} completed ({(IsFloor ? "notebook record committed" : "record delivered to the notebook feed")})");
        output.WriteLine($"  throughput        {LifecyclesPerSecond:0.0} lifecycles/s");
        output.WriteLine();
        output.WriteLine($"  {"latency (ms)",-18} {"count",8} {"p50",9} {"p95",9} {"p99",9} {"max",9}");
        foreach (var (operation, s) in Latencies)
            output.WriteLine($"  {operation,-18} {s.Count,8} {s.P50,9:0.0} {s.P95,9:0.0} {s.P99,9:0.0} {s.Max,9:0.0}");
        output.WriteLine();
        output.WriteLine($"  errors            {ErrorTotal}");
        foreach (var (cause, count) in Errors) output.WriteLine($"    {cause,-40} {count,8}");
        if (Kind == HttpKind) output.WriteLine($"  undelivered       {Undelivered} (dispensed in the window, no notebook record by the end of the drain)");
        if (ServerMemory is { } memory)
            output.WriteLine($"  server memory     peak {memory.PeakMiB:0.0} MiB (VmHWM), at the end {memory.CurrentMiB:0.0} MiB (VmRSS), pid {memory.Pid}");
        if (PoolExhausted)
            output.WriteLine("  WARNING: the pre-signed prescriptions ran out before the window ended; workers stopped early, so the throughput is too low. Rerun with a larger --pool.");
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public static Report Load(string path) =>
        JsonSerializer.Deserialize<Report>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} holds no report.");
}
