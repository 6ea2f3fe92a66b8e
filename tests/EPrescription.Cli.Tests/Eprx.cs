using System.Diagnostics;

namespace EPrescription.Cli.Tests;

/// <summary>Runs the built `eprx` as a separate process, as a vendor would from a shell.</summary>
public static class Eprx
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static string RepositoryRoot { get; } = FindRoot();

    public static string SamplesFolder { get; } = LocateSamples();

    public static string Sample(string name) => Path.Combine(SamplesFolder, name);

    public static Task<Result> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string?>(), RepositoryRoot, args);

    /// <summary>Runs eprx in <paramref name="workingDirectory"/> with these environment variables set (a null value removes one).</summary>
    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string?> environment, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var (name, value) in environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "eprx.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EPrescription.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root above " + AppContext.BaseDirectory);
    }

    private static string LocateSamples()
    {
        var shared = Path.Combine(RepositoryRoot, "..", "shared", "formats", "samples");
        return Directory.Exists(shared) ? Path.GetFullPath(shared) : Path.Combine(RepositoryRoot, "tests", "samples");
    }
}
