namespace EPrescription.Formats.Tests;

/// <summary>The synthetic JAHIS samples: the shared specification's folder when it sits beside the repository, else the copy in tests/samples.</summary>
public static class Samples
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Folder { get; } = Locate();

    public static string Path(string name) => System.IO.Path.Combine(Folder, name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path(name));

    /// <summary>Wire-encoded (CP932, CR LF) prescription samples.</summary>
    public static IEnumerable<string> Prescriptions => Names("rx_*.txt").Where(n => !n.Contains(".utf8", StringComparison.Ordinal));

    /// <summary>Wire-encoded (CP932, CR LF) notebook samples.</summary>
    public static IEnumerable<string> Notebooks => Names("tc_*.csv").Where(n => !n.Contains(".utf8", StringComparison.Ordinal));

    /// <summary>Every JAHIS sample in both encodings.</summary>
    public static IEnumerable<string> AllJahis => Names("rx_*").Concat(Names("tc_*"));

    private static IEnumerable<string> Names(string pattern) =>
        Directory.EnumerateFiles(Folder, pattern).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    private static string Locate()
    {
        var shared = System.IO.Path.Combine(RepositoryRoot, "..", "shared", "formats", "samples");
        return Directory.Exists(shared) ? System.IO.Path.GetFullPath(shared) : System.IO.Path.Combine(RepositoryRoot, "tests", "samples");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "EPrescription.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (EPrescription.sln) above " + AppContext.BaseDirectory);
    }
}
