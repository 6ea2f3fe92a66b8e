using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Validation;
using EPrescription.Formats.Writing;

namespace EPrescription.Benchmarks;

/// <summary>Read + validate + write of each JAHIS sample, reported as documents/s and MB/s beside BenchmarkDotNet's times.</summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class FormatBenchmarks
{
    private byte[] _bytes = [];

    [ParamsSource(nameof(SampleNames))]
    public string Sample { get; set; } = "";

    public static IEnumerable<string> SampleNames => SampleFiles.Names;

    [GlobalSetup]
    public void Load() => _bytes = File.ReadAllBytes(SampleFiles.Path(Sample));

    [Benchmark]
    public int ReadValidateWrite()
    {
        var document = JahisReader.Read(_bytes);
        var report = JahisValidator.Validate(document);
        if (!report.IsValid) throw new InvalidOperationException($"{Sample} did not validate");
        return JahisWriter.Write(document).Length;
    }

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig()
        {
            AddColumn(new ThroughputColumn("Docs/s", bytes: false));
            AddColumn(new ThroughputColumn("MB/s", bytes: true));
        }
    }

    /// <summary>Documents (or megabytes of input) per second on one core, from the mean time per operation.</summary>
    private sealed class ThroughputColumn(string name, bool bytes) : IColumn
    {
        public string Id => "Throughput" + name;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => bytes ? "Megabytes of input read, validated and written per second" : "Documents read, validated and written per second";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
            if (meanNs is null or 0) return "-";
            var perSecond = 1e9 / meanNs.Value;
            if (!bytes) return perSecond.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
            var sample = (string)benchmarkCase.Parameters["Sample"];
            var size = new FileInfo(SampleFiles.Path(sample)).Length;
            return (perSecond * size / 1_000_000).ToString("N1", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}

/// <summary>The wire-encoded JAHIS samples in tests/samples (a copy of the shared specification's samples).</summary>
internal static class SampleFiles
{
    private static readonly string Folder = Locate();

    public static IEnumerable<string> Names => Directory.EnumerateFiles(Folder)
        .Select(System.IO.Path.GetFileName).OfType<string>()
        .Where(n => (n.StartsWith("rx_", StringComparison.Ordinal) || n.StartsWith("tc_", StringComparison.Ordinal)) && !n.Contains(".utf8", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal);

    public static string Path(string name) => System.IO.Path.Combine(Folder, name);

    private static string Locate()
    {
        // BenchmarkDotNet runs the benchmarks from a generated project deep under bin/, so walk up to the repository.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "tests", "samples");
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "EPrescription.sln")) && Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("Cannot find tests/samples above " + AppContext.BaseDirectory);
    }
}
