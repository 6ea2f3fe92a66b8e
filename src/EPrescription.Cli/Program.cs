using EPrescription.Cli;

// eprx: one command per file under this project; this table is the only place that lists them.
var commands = new Dictionary<string, ICommand>(StringComparer.Ordinal)
{
    ["check"] = new CheckCommand(),
    ["sign"] = new SignCommand(),
    ["verify"] = new VerifyCommand(),
    ["dev-certs"] = new DevCertsCommand(),
    ["clients"] = new ClientsCommand(),
    ["deliveries"] = new DeliveriesCommand(),
    ["demo"] = new DemoCommand(),
};

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Usage.Print(Console.Out, commands.Values);
    return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
}

if (!commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine($"eprx: unknown command '{args[0]}'. Run 'eprx --help' for the list.");
    return ExitCodes.Usage;
}

return await command.RunAsync(args[1..], Console.Out, Console.Error);
