using System.Diagnostics;

namespace EPrescription.LoadGenerator.Measuring;

/// <summary>One line a second while a phase runs: elapsed, lifecycles done, the last second's rate, errors, server memory.</summary>
internal sealed class Progress(TextWriter output, Func<long> done, Func<long> errors, Func<long>? inFlight, int? serverPid)
{
    public async Task RunAsync(string phase, TimeSpan length, CancellationToken stop)
    {
        var started = Stopwatch.GetTimestamp();
        var last = done();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var now = done();
                var elapsed = Stopwatch.GetElapsedTime(started);
                var line = $"[{phase} {elapsed.TotalSeconds,4:0}/{length.TotalSeconds:0}s] done {now,7}  rate {now - last,6}/s  errors {errors(),5}";
                if (inFlight is not null) line += $"  awaiting record {inFlight(),5}";
                if (serverPid is { } pid && ServerMemory.Read(pid) is { } memory) line += $"  server RSS {memory.CurrentMiB,6:0} MiB";
                output.WriteLine(line);
                last = now;
            }
        }
        catch (OperationCanceledException)
        {
            // the phase ended
        }
    }
}
