using EPrescription.Server.Storage;

namespace EPrescription.Cli;

/// <summary>
/// Which database an operator command works on: --provider / --connection, else the environment variables the server reads
/// (Database__Provider, Database__ConnectionString), else the embedded default, a SQLite file under ./data/ as the server uses.
/// </summary>
public static class DatabaseSelection
{
    public const string Options = "[--provider sqlite|postgresql|sqlserver] [--connection STRING]";

    /// <summary>Takes the database options out of <paramref name="args"/>; the rest are left in <paramref name="remaining"/>.</summary>
    public static bool TryResolve(string[] args, out Database? database, out List<string> remaining, out string? error)
    {
        database = null;
        remaining = [];
        string? provider = null, connection = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--provider" when i + 1 < args.Length: provider = args[++i]; break;
                case "--connection" when i + 1 < args.Length: connection = args[++i]; break;
                case "--provider" or "--connection":
                    error = $"{args[i]} needs a value.";
                    return false;
                default: remaining.Add(args[i]); break;
            }
        }

        provider ??= Environment.GetEnvironmentVariable("Database__Provider");
        connection ??= Environment.GetEnvironmentVariable("Database__ConnectionString");
        var selected = DatabaseProvider.Sqlite;
        if (!string.IsNullOrWhiteSpace(provider) &&
            (!Enum.TryParse(provider.Trim(), ignoreCase: true, out selected) || !Enum.IsDefined(selected) || char.IsAsciiDigit(provider.Trim()[0])))
        {
            error = $"unknown database provider '{provider}': use sqlite, postgresql or sqlserver.";
            return false;
        }
        if (string.IsNullOrWhiteSpace(connection))
        {
            if (selected != DatabaseProvider.Sqlite)
            {
                error = $"a {selected} database needs --connection STRING (or Database__ConnectionString).";
                return false;
            }
            connection = new DatabaseOptions().ConnectionString;
        }

        try
        {
            database = new Database(selected, connection);
        }
        catch (ArgumentException e)
        {
            error = $"invalid connection string: {e.Message}";
            return false;
        }
        error = null;
        return true;
    }
}
