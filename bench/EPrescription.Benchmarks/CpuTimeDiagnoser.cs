using System.Collections.Concurrent;
using System.Diagnostics;
using BenchmarkDotNet.Analysers;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Validators;

namespace EPrescription.Benchmarks;

/// <summary>
/// The process's CPU time per operation over the measured iterations, beside BenchmarkDotNet's wall-clock Mean. On this
/// machine (2 cores shared with other engineers' builds and tests) wall time stretches whenever another job holds the core;
/// CPU time counts only what the benchmark itself used, so pieces measured minutes apart stay comparable. It includes the
/// forced collections between iterations and the JIT's background threads, both small next to the measured work. Only
/// meaningful in process (<c>--inProcess</c>): the signals then arrive in the process that runs the benchmark.
/// </summary>
public sealed class CpuTimeDiagnoser : IDiagnoser
{
    private readonly ConcurrentDictionary<BenchmarkCase, TimeSpan> _started = new();
    private readonly ConcurrentDictionary<BenchmarkCase, TimeSpan> _used = new();

    public IEnumerable<string> Ids => [nameof(CpuTimeDiagnoser)];

    public IEnumerable<IExporter> Exporters => [];

    public IEnumerable<IAnalyser> Analysers => [];

    public void DisplayResults(ILogger logger)
    {
    }

    public RunMode GetRunMode(BenchmarkCase benchmarkCase) => RunMode.NoOverhead;

    public void Handle(HostSignal signal, DiagnoserActionParameters parameters)
    {
        if (signal == HostSignal.BeforeActualRun)
            _started[parameters.BenchmarkCase] = ProcessCpu();
        else if (signal == HostSignal.AfterActualRun && _started.TryGetValue(parameters.BenchmarkCase, out var started))
            _used[parameters.BenchmarkCase] = ProcessCpu() - started;
    }

    public IEnumerable<Metric> ProcessResults(DiagnoserResults results)
    {
        if (_used.TryGetValue(results.BenchmarkCase, out var used) && results.TotalOperations > 0)
            yield return new Metric(CpuPerOperation.Instance, used.TotalNanoseconds / results.TotalOperations);
    }

    public IEnumerable<ValidationError> Validate(ValidationParameters validationParameters) => [];

    private static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private sealed class CpuPerOperation : IMetricDescriptor
    {
        public static readonly CpuPerOperation Instance = new();

        public string Id => "CpuPerOperation";
        public string DisplayName => "CPU/op";
        public string Legend => "Process CPU time (user + system, all threads) per operation over the measured iterations";
        public string NumberFormat => "N1";
        public UnitType UnitType => UnitType.Time;
        public string Unit => "ns";
        public bool TheGreaterTheBetter => false;
        public int PriorityInCategory => 0;
        public bool GetIsAvailable(Metric metric) => true;
    }
}

/// <summary>Adds <see cref="CpuTimeDiagnoser"/> to a benchmark class.</summary>
public sealed class CpuTimeConfig : ManualConfig
{
    public CpuTimeConfig() => AddDiagnoser(new CpuTimeDiagnoser());
}
