using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EPrescription.Api.Tests;

/// <summary>
/// The service calls no host the operator did not configure (SPEC §12): MassTransit's usage telemetry, which would report to
/// its vendor a few minutes after start, is off in every role.
/// </summary>
public sealed class UsageTelemetryTests
{
    [TestCase("true", "true")]
    [TestCase("true", "false")]
    [TestCase("false", "true")]
    [TestCase("false", "false")]
    public async Task Should_turn_MassTransit_usage_telemetry_off_in_every_role(string runPrescriptionServer, string runNotebookSync)
    {
        var data = Path.Combine(Path.GetTempPath(), $"eprx-telemetry-{Guid.NewGuid():N}.db");
        await using var app = ApiApplication.Build(
        [
            "--urls", "http://127.0.0.1:0", $"--Bus:RunPrescriptionServer={runPrescriptionServer}", $"--Bus:RunNotebookSync={runNotebookSync}",
            $"--Database:ConnectionString=Data Source={data}",
        ]);

        var options = app.Services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value;

        Assert.That(options.Enabled, Is.False);
    }
}
