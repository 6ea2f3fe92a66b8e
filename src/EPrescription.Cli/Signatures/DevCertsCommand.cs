using EPrescription.Signatures.DevPki;

namespace EPrescription.Cli;

/// <summary>`eprx dev-certs`: regenerates the development PKI (開発用認証局) that certs-dev/ holds.</summary>
public sealed class DevCertsCommand : ICommand
{
    public string Usage => "dev-certs [--out DIR]";

    public string Summary =>
        "Regenerate the DEVELOPMENT-ONLY PKI (root, intermediate, CRLs, doctor, dentist, pharmacist, expired, revoked, no hcRole, " +
        "no signing key usage, untrusted) into DIR, by default certs-dev; valid 20 years from now.";

    public Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var folder = "certs-dev";
        if (args is ["--out", var output])
            folder = output;
        else if (args.Length != 0)
        {
            stderr.WriteLine($"usage: eprx {Usage}");
            return Task.FromResult(ExitCodes.Usage);
        }

        var pki = DevPkiGenerator.Generate(DateTimeOffset.UtcNow);
        try
        {
            pki.WriteTo(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"eprx dev-certs: {e.Message}");
            return Task.FromResult(ExitCodes.Unreadable);
        }

        stdout.WriteLine($"Development PKI written to {Path.GetFullPath(folder)} (DEVELOPMENT ONLY: its private keys are public).");
        stdout.WriteLine($"  trust/    root certificate and CRLs to trust");
        stdout.WriteLine($"  ca/       CA certificates and keys");
        stdout.WriteLine($"  signers/  {string.Join(", ", pki.Signers.Select(s => s.FileName))}: .crt.pem, .key.pem, .chain.pem, .p12 (password '{DevPkiGenerator.Pkcs12Password}')");
        return Task.FromResult(ExitCodes.Ok);
    }
}
