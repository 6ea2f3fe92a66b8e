using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EPrescription.Server.Tests.Slips;

/// <summary>
/// The real tools a slip meets: headless Chromium prints it and takes a screenshot, poppler's pdfinfo reads the PDF,
/// zbar reads the QR code. scripts/test.sh installs them; a missing tool fails the test rather than skipping it.
/// </summary>
internal static partial class SlipTools
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static void PrintToPdf(string htmlPath, string pdfPath) =>
        RunChromium(htmlPath, $"--print-to-pdf={pdfPath}", "--no-pdf-header-footer");

    /// <summary>A screenshot of the sheet as shown on screen, where it has the A5 page's printable width.</summary>
    public static void Screenshot(string htmlPath, string pngPath) =>
        RunChromium(htmlPath, $"--screenshot={pngPath}", "--window-size=600,880", "--force-device-scale-factor=2",
            "--hide-scrollbars");

    /// <summary>Page count and the first page's size in points, from pdfinfo.</summary>
    public static (int Pages, double Width, double Height) PdfInfo(string pdfPath)
    {
        var output = Run(Require("pdfinfo", "poppler-utils"), [pdfPath]);
        var pages = PagesLine().Match(output);
        var size = PageSizeLine().Match(output);
        if (!pages.Success || !size.Success) Assert.Fail($"pdfinfo printed no page count or size:\n{output}");
        return (int.Parse(pages.Groups[1].Value, CultureInfo.InvariantCulture),
            double.Parse(size.Groups[1].Value, CultureInfo.InvariantCulture),
            double.Parse(size.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>The first page of the PDF as a 150 dpi PNG: what the printed slip looks like to a scanner.</summary>
    public static string RasterizeFirstPage(string pdfPath)
    {
        var prefix = Path.ChangeExtension(pdfPath, null) + "-printed";
        Run(Require("pdftoppm", "poppler-utils"), ["-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", pdfPath, prefix]);
        return prefix + ".png";
    }

    /// <summary>The payload of every QR code zbarimg finds in the image.</summary>
    public static IReadOnlyList<string> ReadQrCodes(string pngPath)
    {
        // zbarimg exits with 4 when it finds no code: that is an answer (an empty list), not a tool failure.
        var raw = Run(Require("zbarimg", "zbar-tools"), ["--raw", "-q", pngPath], allowExitCodes: [0, 4]);
        return raw.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static void RunChromium(string htmlPath, params string[] output)
    {
        if (!File.Exists(ChromiumPath))
            Assert.Fail($"{ChromiumPath} is missing: run scripts/test.sh, which installs chromium, zbar-tools and poppler-utils.");
        var profile = Directory.CreateTempSubdirectory("eprx-chromium-");
        try
        {
            string[] args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={profile.FullName}",
                .. output, new Uri(htmlPath).AbsoluteUri,
            ];
            Run(ChromiumPath, args);
        }
        finally
        {
            try { profile.Delete(recursive: true); } catch (IOException) { /* Chromium's helpers may still be letting go. */ }
        }
    }

    private static string Require(string tool, string package)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':')
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
        if (path is null) Assert.Fail($"{tool} is missing: run scripts/test.sh, which installs {package} with chromium and the other test tools.");
        return path!;
    }

    private static string Run(string file, IEnumerable<string> args, int[]? allowExitCodes = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(file)} did not finish within {Timeout.TotalSeconds} s and was killed.");
        }
        process.WaitForExit();
        if (!(allowExitCodes ?? [0]).Contains(process.ExitCode))
            Assert.Fail($"{Path.GetFileName(file)} exited with {process.ExitCode}:\n{stderr.Result}");
        return stdout.Result;
    }

    [GeneratedRegex(@"^Pages:\s+(\d+)", RegexOptions.Multiline)]
    private static partial Regex PagesLine();

    [GeneratedRegex(@"^Page size:\s+([\d.]+) x ([\d.]+) pts", RegexOptions.Multiline)]
    private static partial Regex PageSizeLine();
}
