using System.Diagnostics;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests;

/// <summary>The README's quick start: `eprx demo` against the running service walks the whole flow and says so.</summary>
public class DemoTests
{
    [Test]
    public async Task Should_walk_a_newcomer_through_the_whole_flow_against_the_running_service()
    {
        var fixture = await ApiFixture.ForAsync(DatabaseProvider.Sqlite);
        var output = Directory.CreateTempSubdirectory("eprx-demo-").FullName;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "eprx.dll"), "demo", "--url", fixture.BaseAddress.ToString(), "--out", output })
            start.ArgumentList.Add(arg);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var text = await stdout;

        Assert.Multiple(async () =>
        {
            Assert.That(process.ExitCode, Is.EqualTo(0), text + await stderr);
            Assert.That(text, Does.Contain("Registered: prescription ID"));
            Assert.That(text, Does.Contain("3 duplicate-medication warning(s)"));
            Assert.That(text, Does.Contain("RP 1 drug 1: ingredient 1149019 (internal)"));
            Assert.That(text, Does.Contain("The doctor cancels the duplicate: status cancelled"));
            Assert.That(text, Does.Contain("status received"));
            Assert.That(text, Does.Contain("status dispensed"));
            Assert.That(text, Does.Contain("The clinic reads the dispensing result: "));
            Assert.That(text, Does.Contain("important: True, note to the prescriber: 疑義照会の結果"));
            Assert.That(text, Does.Contain("The clinic's event feed for the prescription: received, dispensed"));
            Assert.That(text, Does.Contain("receives dispensing record nbr_"));
            Assert.That(text, Does.Contain("JAHISTC08,1"));
            Assert.That(Directory.GetFiles(output, "slip-*.html"), Has.Length.EqualTo(1));
        });
        Directory.Delete(output, recursive: true);
    }
}
