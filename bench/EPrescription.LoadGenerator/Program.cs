using EPrescription.LoadGenerator;

// Full lifecycles against a running server (SPEC §9), the in-process floor, and the comparison of the two. See docs/performance.md.
try
{
    return await CommandLine.RunAsync(args, Console.Out, Console.Error);
}
catch (CommandLineException e)
{
    Console.Error.WriteLine($"loadgen: {e.Message}");
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}
