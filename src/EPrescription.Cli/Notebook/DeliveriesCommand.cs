using System.Data.Common;
using System.Globalization;
using System.Text;
using EPrescription.NotebookSync.Webhooks;
using EPrescription.Server.Storage;

namespace EPrescription.Cli;

/// <summary>
/// `eprx deliveries parked|retry`: webhook deliveries of dispensing records that failed every attempt are parked, never
/// dropped; the operator lists them and, once the app's webhook works again, sends them again.
/// </summary>
public sealed class DeliveriesCommand : ICommand
{
    public string Usage => "deliveries parked | retry RECORD_ID|--all  " + DatabaseSelection.Options;

    public string Summary =>
        "List the webhook deliveries parked after their last retry (record id, app, webhook, attempts, last error, when), or queue " +
        "one (or all) to be sent again. The database is chosen as for 'eprx clients'.";

    public async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length > 0 && args[0] is "-h" or "--help" or "help")
        {
            stdout.WriteLine($"usage: eprx {Usage}");
            stdout.WriteLine(Summary);
            return ExitCodes.Ok;
        }
        if (!DatabaseSelection.TryResolve(args, out var database, out var rest, out var error)) return UsageError(stderr, error);
        if (rest.Count == 0) return UsageError(stderr, "name a sub-command: parked or retry.");

        var handler = rest[0] switch
        {
            "parked" => (Func<Deliveries, List<string>, TextWriter, TextWriter, Task<int>>?)ParkedAsync,
            "retry" => RetryAsync,
            _ => null,
        };
        if (handler is null) return UsageError(stderr, $"unknown sub-command '{rest[0]}': use parked or retry.");

        try
        {
            await new Migrator(database!).MigrateAsync();
            return await handler(new Deliveries(database!), rest[1..], stdout, stderr);
        }
        catch (Exception e) when (e is DbException or IOException or UnauthorizedAccessException or ArgumentException or TimeoutException)
        {
            stderr.WriteLine($"eprx deliveries: cannot use the database: {e.Message}");
            return ExitCodes.Unreadable;
        }
    }

    private async Task<int> ParkedAsync(Deliveries deliveries, List<string> args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count > 0) return UsageError(stderr, $"parked: unexpected argument '{args[0]}'.");
        var parked = await deliveries.ParkedAsync();
        if (parked.Count == 0)
        {
            stdout.WriteLine("No parked deliveries: every webhook delivery was made or is still being retried.");
            return ExitCodes.Ok;
        }
        string[] header = ["RECORD ID", "APP", "WEBHOOK", "ATTEMPTS", "LAST ERROR", "PARKED (UTC)"];
        var rows = parked.Select(p => new[]
        {
            p.RecordId, p.AppName is { } name ? $"{p.AppClientId} ({name})" : p.AppClientId, p.WebhookUrl ?? "-",
            p.Attempts.ToString(CultureInfo.InvariantCulture), p.LastError ?? "-",
            p.ParkedAt is { } at ? at.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-",
        }).ToList();
        var widths = header.Select((h, i) => rows.Select(r => ClientsCommand.DisplayWidth(r[i])).Append(ClientsCommand.DisplayWidth(h)).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            var line = new StringBuilder();
            for (var i = 0; i < row.Length; i++)
            {
                line.Append(row[i]);
                if (i < row.Length - 1) line.Append(' ', widths[i] - ClientsCommand.DisplayWidth(row[i]) + 2);
            }
            stdout.WriteLine(line.ToString());
        }
        stdout.WriteLine($"{parked.Count} parked; send them again with 'eprx deliveries retry RECORD_ID' or '--all' once the webhook answers.");
        return ExitCodes.Ok;
    }

    private async Task<int> RetryAsync(Deliveries deliveries, List<string> args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count != 1) return UsageError(stderr, "retry: name exactly one RECORD_ID, or --all.");
        var all = args[0] == "--all";
        if (!all && args[0].StartsWith("--", StringComparison.Ordinal)) return UsageError(stderr, $"retry: unknown option '{args[0]}'.");

        var queued = await deliveries.RetryAsync(all ? null : args[0], DateTime.UtcNow);
        if (queued == 0 && !all)
        {
            stderr.WriteLine($"eprx deliveries: refused: there is no parked delivery of record '{args[0]}'; 'eprx deliveries parked' lists them.");
            return ExitCodes.Invalid;
        }
        stdout.WriteLine(queued == 0
            ? "No parked deliveries to send again."
            : $"Queued {queued} parked deliver{(queued == 1 ? "y" : "ies")} to be sent again by the notebook sync (attempts start afresh).");
        return ExitCodes.Ok;
    }

    private int UsageError(TextWriter stderr, string? message)
    {
        stderr.WriteLine($"eprx deliveries: {message}");
        stderr.WriteLine($"usage: eprx {Usage}");
        return ExitCodes.Usage;
    }
}
