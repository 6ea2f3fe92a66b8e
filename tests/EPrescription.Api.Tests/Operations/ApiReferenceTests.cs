using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Operations;

/// <summary>
/// The API reference at /docs as a person opens it: headless Chromium loads the page from the running service (this machine
/// has no internet, so anything fetched from elsewhere would be missing) and the rendered page lists the operations of the
/// OpenAPI document.
/// </summary>
public sealed partial class ApiReferenceTests
{
    private const string ChromiumPath = "/usr/bin/chromium";

    [Test]
    public async Task Should_render_every_operation_of_the_openapi_document_in_a_browser()
    {
        var api = await ApiFixture.ForAsync(DatabaseProvider.Sqlite);

        var dom = await RenderAsync(new Uri(api.BaseAddress, "/docs"));

        Assert.Multiple(() =>
        {
            foreach (var operation in new[] { "RegisterPrescription", "GetPrescription", "CancelPrescription", "ReceivePrescription", "ReturnPrescription", "RecordDispensing" })
                Assert.That(dom, Does.Contain(operation), $"the rendered page lists {operation}");
            Assert.That(dom, Does.Contain("/v1/prescriptions/{id}/dispensing"), "with its path");
            Assert.That(dom, Does.Contain("EPrescription API"), "under the document's title");
        });
    }

    [Test]
    public async Task Should_load_its_scripts_and_styles_from_the_service_itself()
    {
        var api = await ApiFixture.ForAsync(DatabaseProvider.Sqlite);
        using var page = await api.GetAsync("/docs/index.html", null);
        var html = await page.Content.ReadAsStringAsync();
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK), html);

        var references = Reference().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.That(references, Is.Not.Empty, html);
        foreach (var reference in references)
        {
            Assert.That(reference, Does.Not.Contain("//"), $"{reference} is loaded from another host");
            using var asset = await api.GetAsync("/docs/" + reference.TrimStart('.', '/'), null);
            Assert.That(asset.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"the service serves {reference}");
        }
    }

    /// <summary>The page's DOM after its scripts ran; Chromium fetches nothing but the service (no network here anyway).</summary>
    private static async Task<string> RenderAsync(Uri page)
    {
        if (!File.Exists(ChromiumPath))
            Assert.Fail($"{ChromiumPath} is missing: run scripts/test.sh, which installs chromium with the other test tools.");
        var profile = Directory.CreateTempSubdirectory("eprx-chromium-");
        try
        {
            var start = new ProcessStartInfo(ChromiumPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={profile.FullName}",
                // Virtual time runs only while the page is idle, so the budget covers the fetch of the OpenAPI document and rendering.
                "--virtual-time-budget=30000", "--dump-dom", page.AbsoluteUri,
            })
                start.ArgumentList.Add(arg);
            using var chromium = Process.Start(start)!;
            var stdout = chromium.StandardOutput.ReadToEndAsync();
            var stderr = chromium.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await chromium.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                chromium.Kill(entireProcessTree: true);
                Assert.Fail("Chromium did not finish rendering /docs within 2 minutes.");
            }
            var dom = await stdout;
            if (chromium.ExitCode != 0) Assert.Fail($"Chromium exited with {chromium.ExitCode}: {await stderr}");
            return dom;
        }
        finally
        {
            try { profile.Delete(recursive: true); } catch (IOException) { /* Chromium's helpers may still be letting go. */ }
        }
    }

    [GeneratedRegex(@"(?:src|href)=""([^""]+)""")]
    private static partial Regex Reference();
}
