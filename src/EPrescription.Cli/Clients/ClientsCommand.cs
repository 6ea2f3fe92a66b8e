using System.Data.Common;
using System.Globalization;
using System.Text;
using EPrescription.Server;
using EPrescription.Server.Clients;
using EPrescription.Server.Storage;

namespace EPrescription.Cli;

/// <summary>
/// `eprx clients add|list|revoke`: the operator adds the systems that may call the API and revokes their keys. A new key is
/// printed once; only its hash is kept.
/// </summary>
public sealed class ClientsCommand : ICommand
{
    public string Usage =>
        "clients add --role clinic|pharmacy|notebook-app|admin --name NAME [--institution CODE] [--webhook-url URL] | list | revoke CLIENT_ID  " +
        DatabaseSelection.Options;

    public string Summary =>
        "Add a client and print its API key once, list the clients, or revoke a client's key. The database comes from --provider " +
        "and --connection, else Database__Provider and Database__ConnectionString, else data/eprescription.db; it is migrated first.";

    public async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length > 0 && args[0] is "-h" or "--help" or "help")
        {
            stdout.WriteLine($"usage: eprx {Usage}");
            stdout.WriteLine(Summary);
            return ExitCodes.Ok;
        }
        if (!DatabaseSelection.TryResolve(args, out var database, out var rest, out var error)) return UsageError(stderr, error);
        if (rest.Count == 0) return UsageError(stderr, "name a sub-command: add, list or revoke.");

        var handler = rest[0] switch
        {
            "add" => (Func<ClientStore, List<string>, TextWriter, TextWriter, Task<int>>?)AddAsync,
            "list" => ListAsync,
            "revoke" => RevokeAsync,
            _ => null,
        };
        if (handler is null) return UsageError(stderr, $"unknown sub-command '{rest[0]}': use add, list or revoke.");

        try
        {
            await new Migrator(database!).MigrateAsync();
            return await handler(new ClientStore(database!, TimeProvider.System), rest[1..], stdout, stderr);
        }
        catch (DomainException e)
        {
            stderr.WriteLine($"eprx clients: refused: {e.Detail}");
            return ExitCodes.Invalid;
        }
        catch (Exception e) when (e is DbException or IOException or UnauthorizedAccessException or ArgumentException or TimeoutException)
        {
            stderr.WriteLine($"eprx clients: cannot use the database: {e.Message}");
            return ExitCodes.Unreadable;
        }
    }

    private async Task<int> AddAsync(ClientStore store, List<string> args, TextWriter stdout, TextWriter stderr)
    {
        string? role = null, name = null, institution = null, webhook = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--role" when i + 1 < args.Count: role = args[++i]; break;
                case "--name" when i + 1 < args.Count: name = args[++i]; break;
                case "--institution" when i + 1 < args.Count: institution = args[++i]; break;
                case "--webhook-url" when i + 1 < args.Count: webhook = args[++i]; break;
                default: return UsageError(stderr, $"add: unknown or incomplete option '{args[i]}'.");
            }
        }
        if (role is null) return UsageError(stderr, $"add: --role is required ({ClientRoles.Choices}).");
        if (!ClientRoles.TryParse(role, out var clientRole)) return UsageError(stderr, $"add: unknown role '{role}': use {ClientRoles.Choices}.");
        if (string.IsNullOrWhiteSpace(name)) return UsageError(stderr, "add: --name is required.");

        var (client, key) = await store.AddAsync(new NewClient(name, clientRole, institution, webhook));
        stdout.WriteLine($"Added {client.Role.Name()} client {client.Id}: {client.Name}" +
            (client.InstitutionCode is { } code ? $" (institution {code})" : ""));
        stdout.WriteLine($"API key: {key}");
        if (client.WebhookUrl is not null)
        {
            stdout.WriteLine($"Webhook: {client.WebhookUrl}");
            stdout.WriteLine($"Webhook secret (HMAC-SHA256 signatures of deliveries): {client.WebhookSecret}");
        }
        stdout.WriteLine("Give the key to the client now: it will not be shown again (only its hash is stored).");
        return ExitCodes.Ok;
    }

    private async Task<int> ListAsync(ClientStore store, List<string> args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count > 0) return UsageError(stderr, $"list: unexpected argument '{args[0]}'.");
        var clients = await store.ListAsync();
        if (clients.Count == 0)
        {
            stdout.WriteLine("No clients yet: add one with 'eprx clients add'.");
            return ExitCodes.Ok;
        }
        string[] header = ["ID", "ROLE", "INSTITUTION", "NAME", "KEY HINT", "CREATED (UTC)", "REVOKED (UTC)"];
        var rows = clients.Select(c => new[]
        {
            c.Id, c.Role.Name(), c.InstitutionCode?.Value ?? "-", c.Name, c.KeyHint + "…", Instant(c.CreatedAt),
            c.RevokedAt is { } revoked ? Instant(revoked) : "-",
        }).ToList();
        var widths = header.Select((h, i) => rows.Select(r => DisplayWidth(r[i])).Append(DisplayWidth(h)).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            var line = new StringBuilder();
            for (var i = 0; i < row.Length; i++)
            {
                line.Append(row[i]);
                if (i < row.Length - 1) line.Append(' ', widths[i] - DisplayWidth(row[i]) + 2);
            }
            stdout.WriteLine(line.ToString());
        }
        return ExitCodes.Ok;
    }

    private async Task<int> RevokeAsync(ClientStore store, List<string> args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count != 1 || args[0].StartsWith("--", StringComparison.Ordinal)) return UsageError(stderr, "revoke: name exactly one CLIENT_ID.");
        var id = args[0];
        if (await store.RevokeAsync(id))
        {
            stdout.WriteLine($"Revoked {id}: its key no longer authenticates.");
            return ExitCodes.Ok;
        }
        var client = await store.FindAsync(id);
        stderr.WriteLine(client is null
            ? $"eprx clients: refused: there is no client '{id}'; 'eprx clients list' shows them."
            : $"eprx clients: refused: {id} was already revoked at {Instant(client.RevokedAt!.Value)} UTC.");
        return ExitCodes.Invalid;
    }

    private static string Instant(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Terminal columns: East Asian wide and full-width characters take two, so Japanese names still line up.</summary>
    internal static int DisplayWidth(string text)
    {
        var width = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var v = rune.Value;
            width += v is >= 0x1100 and <= 0x115F or >= 0x2E80 and <= 0xA4CF or >= 0xAC00 and <= 0xD7A3 or >= 0xF900 and <= 0xFAFF
                or >= 0xFE30 and <= 0xFE4F or >= 0xFF00 and <= 0xFF60 or >= 0xFFE0 and <= 0xFFE6 or >= 0x20000 ? 2 : 1;
        }
        return width;
    }

    private int UsageError(TextWriter stderr, string? message)
    {
        stderr.WriteLine($"eprx clients: {message}");
        stderr.WriteLine($"usage: eprx {Usage}");
        return ExitCodes.Usage;
    }
}
