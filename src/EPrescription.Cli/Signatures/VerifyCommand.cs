using EPrescription.Signatures.Trust;
using EPrescription.Signatures.Verification;

namespace EPrescription.Cli;

/// <summary>`eprx verify`: runs every signature check the prescription server runs and prints each outcome.</summary>
public sealed class VerifyCommand : ICommand
{
    public string Usage => "verify [--trust PATH]... [--role prescriber|pharmacist] DOC SIG | verify [options] SIGNED.p7m";

    public string Summary =>
        "Verify a detached (DOC SIG) or encapsulated (SIGNED) CMS signature and print every check. Trust anchors and CRLs come " +
        "from each --trust file or folder, by default certs-dev/trust; exit 0 valid, 1 invalid, 2 unreadable.";

    public Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var trustPaths = new List<string>();
        var role = ExpectedSignerRole.Prescriber;
        var files = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--trust" when i + 1 < args.Length: trustPaths.Add(args[++i]); break;
                case "--role" when i + 1 < args.Length:
                    if (!Enum.TryParse(args[++i], ignoreCase: true, out role))
                        return UsageError(stderr, $"unknown role '{args[i]}'; use prescriber or pharmacist.");
                    break;
                case var option when option.StartsWith("--", StringComparison.Ordinal):
                    return UsageError(stderr, $"unknown or incomplete option '{option}'.");
                default: files.Add(args[i]); break;
            }
        }
        if (files.Count is < 1 or > 2)
            return UsageError(stderr, "name a document and its detached signature, or one signed document.");

        if (trustPaths.Count == 0)
        {
            var devTrust = FindDevTrust();
            if (devTrust is null)
                return UsageError(stderr, "no --trust given and no certs-dev/trust found above the current folder.");
            trustPaths.Add(devTrust);
        }

        SignatureVerificationResult result;
        try
        {
            using var trust = new TrustStore(new TrustStoreOptions { TrustAnchors = trustPaths, Crls = trustPaths });
            var verifier = new CmsSignatureVerifier(trust);
            result = files.Count == 2
                ? verifier.VerifyDetached(File.ReadAllBytes(files[0]), File.ReadAllBytes(files[1]), role)
                : verifier.VerifyEncapsulated(File.ReadAllBytes(files[0]), role);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TrustStoreException)
        {
            stderr.WriteLine($"eprx verify: {e.Message}");
            return Task.FromResult(ExitCodes.Unreadable);
        }

        foreach (var check in result.Checks)
            stdout.WriteLine($"{Label(check.Outcome)}  {check.Code,-20}  {check.Message}");
        if (result.Signer is { } signer)
        {
            stdout.WriteLine();
            stdout.WriteLine($"signer:       {signer.Name}{(signer.Organization is null ? "" : $" ({signer.Organization})")}");
            stdout.WriteLine($"role:         {signer.Role ?? "(none)"}");
            stdout.WriteLine($"signed at:    {signer.SigningTime?.ToString("yyyy-MM-dd HH:mm:ss'Z'") ?? "(unknown)"}");
            stdout.WriteLine($"certificate:  serial {signer.SerialNumber}, issuer {signer.Issuer}");
        }
        stdout.WriteLine();
        stdout.WriteLine(result.IsValid ? "VALID" : $"INVALID: {result.FailureCode}");
        return Task.FromResult(result.IsValid ? ExitCodes.Ok : ExitCodes.Invalid);
    }

    private static string Label(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.Passed => "pass",
        CheckOutcome.Failed => "FAIL",
        _ => "skip",
    };

    private static string? FindDevTrust()
    {
        for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "certs-dev", "trust");
            if (Directory.Exists(candidate))
                return candidate;
        }
        return null;
    }

    private Task<int> UsageError(TextWriter stderr, string message)
    {
        stderr.WriteLine($"eprx verify: {message}");
        stderr.WriteLine($"usage: eprx {Usage}");
        return Task.FromResult(ExitCodes.Usage);
    }
}
