namespace EPrescription.Cli;

/// <summary>One `eprx` sub-command. Output goes to the writers given, so tests can run a command in-process.</summary>
public interface ICommand
{
    /// <summary>The usage line shown by `eprx --help`, e.g. "check [--json] FILE...".</summary>
    string Usage { get; }

    /// <summary>One sentence saying what the command does.</summary>
    string Summary { get; }

    Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr);
}

public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The input was read but is not valid (a document error, a failed signature check).</summary>
    public const int Invalid = 1;
    /// <summary>The input could not be read at all, or the command line was wrong.</summary>
    public const int Unreadable = 2;
    public const int Usage = 2;
}

public static class Usage
{
    public static void Print(TextWriter output, IEnumerable<ICommand> commands)
    {
        output.WriteLine("eprx: EPrescription command-line tool");
        output.WriteLine();
        foreach (var command in commands)
        {
            output.WriteLine($"  eprx {command.Usage}");
            output.WriteLine($"      {command.Summary}");
        }
    }
}
