using System.Globalization;
using EPrescription.LoadGenerator.Floor;
using EPrescription.LoadGenerator.Http;
using EPrescription.LoadGenerator.Measuring;
using EPrescription.Server.Storage;

namespace EPrescription.LoadGenerator;

internal sealed class CommandLineException(string message) : Exception(message);

/// <summary>The three ways to run the generator, and their options.</summary>
internal static class CommandLine
{
    public const string Usage =
        """
        usage:
          loadgen --url URL --clients N --duration 60s [--warmup 5s] [--drain 30s] [--poll 100ms]
                  [--server-pid PID] [--pool N] [--certs DIR] [--json FILE]
          loadgen --floor physical|handlers --database sqlite|postgresql [--connection CS] --clients N
                  --duration 30s [--warmup 5s] [--pool N] [--certs DIR] [--json FILE]
          loadgen --compare RUN.json FLOOR.json [FLOOR.json]
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args is ["--compare", var run, .. var floors] && floors.Length is 1 or 2)
        {
            Compare(Report.Load(run), floors.Select(Report.Load).ToList(), stdout);
            return 0;
        }
        var values = Parse(args);
        var certs = values.GetValueOrDefault("certs", "certs-dev");
        var clients = Int(values, "clients", 4, min: 1);
        var warmup = Duration(values, "warmup", TimeSpan.FromSeconds(5));
        int? pool = values.ContainsKey("pool") ? Int(values, "pool", 0, min: 10) : null;
        var json = values.GetValueOrDefault("json");

        Report report;
        if (values.TryGetValue("floor", out var floorKind))
        {
            Allow(values, "floor", "database", "connection", "clients", "duration", "warmup", "pool", "certs", "json");
            var provider = values.GetValueOrDefault("database", "sqlite").ToLowerInvariant() switch
            {
                "sqlite" => DatabaseProvider.Sqlite,
                "postgresql" or "postgres" => DatabaseProvider.PostgreSql,
                var other => throw new CommandLineException($"--database {other}: use sqlite or postgresql."),
            };
            var options = new FloorOptions(provider, values.GetValueOrDefault("connection"), clients,
                Duration(values, "duration", TimeSpan.FromSeconds(30)), warmup, pool, certs, json);
            report = floorKind switch
            {
                "physical" => await new PhysicalFloorRun(options, stderr).RunAsync(),
                "handlers" => await new HandlerFloorRun(options, stderr).RunAsync(),
                _ => throw new CommandLineException($"--floor {floorKind}: use physical (signature checks and raw SQL) or handlers (the use cases in process)."),
            };
        }
        else
        {
            Allow(values, "url", "clients", "duration", "warmup", "drain", "poll", "server-pid", "pool", "certs", "json");
            if (!values.TryGetValue("url", out var text) || !Uri.TryCreate(text, UriKind.Absolute, out var url))
                throw new CommandLineException("--url must be an absolute URL such as http://127.0.0.1:5080.");
            // A load generator must not be pointed at anything but a server on this machine.
            if (!url.IsLoopback) throw new CommandLineException($"--url {url}: only a server on this machine (loopback) may be loaded.");
            int? pid = values.ContainsKey("server-pid") ? Int(values, "server-pid", 0, min: 1) : null;
            if (pid is { } p && ServerMemory.Read(p) is null) throw new CommandLineException($"--server-pid {p}: no such process (/proc/{p}/status).");
            var options = new RunOptions(url, clients, Duration(values, "duration", TimeSpan.FromSeconds(60)), warmup,
                Duration(values, "drain", TimeSpan.FromSeconds(30)), Duration(values, "poll", TimeSpan.FromMilliseconds(100)), pid, pool, certs, json);
            try
            {
                report = await new LifecycleRun(options, stderr).RunAsync();
            }
            catch (StepFailed e)
            {
                stderr.WriteLine($"loadgen: {e.Message}");
                return 1;
            }
        }
        report.Print(stdout);
        if (json is not null) report.Save(json);
        return 0;
    }

    private static void Compare(Report run, IReadOnlyList<Report> floors, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"{"",-40} {"lifecycles/s",13} {"p50 ms",9} {"p99 ms",9}");
        Line("run: " + run.Target, run);
        foreach (var floor in floors) Line($"{floor.Kind}: {floor.Target}", floor);
        foreach (var floor in floors)
        {
            var ratio = floor.LifecyclesPerSecond > 0 ? run.LifecyclesPerSecond / floor.LifecyclesPerSecond : 0;
            output.WriteLine($"run / {floor.Kind}: {ratio:0.00} ({ratio:P0} of its lifecycles/s; {run.Clients} clients vs {floor.Clients} workers)");
        }

        void Line(string name, Report report) =>
            output.WriteLine($"{name,-40} {report.LifecyclesPerSecond,13:0.0} {report.Latencies[Operations.Lifecycle].P50,9:0.0} {report.Latencies[Operations.Lifecycle].P99,9:0.0}");
    }

    private static Dictionary<string, string> Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new CommandLineException($"unexpected '{args[i]}'.");
            var name = args[i][2..];
            if (i + 1 < args.Length) values[name] = args[++i];
            else throw new CommandLineException($"--{name} needs a value.");
        }
        return values;
    }

    private static void Allow(Dictionary<string, string> values, params string[] known)
    {
        if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown) throw new CommandLineException($"unknown option --{unknown} here.");
    }

    private static int Int(Dictionary<string, string> values, string name, int fallback, int min)
    {
        if (!values.TryGetValue(name, out var text)) return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value
            : throw new CommandLineException($"--{name} must be a whole number of at least {min}, not '{text}'.");
    }

    /// <summary>"60s", "500ms", "2m", or a number of seconds.</summary>
    private static TimeSpan Duration(Dictionary<string, string> values, string name, TimeSpan fallback)
    {
        if (!values.TryGetValue(name, out var text)) return fallback;
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && value * unit <= 24 * 3600
            ? TimeSpan.FromSeconds(value * unit)
            : throw new CommandLineException($"--{name} must be a duration such as 30s, 500ms or 2m, not '{text}'.");
    }
}
