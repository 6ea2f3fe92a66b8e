using EPrescription.Signatures.DevPki;
using EPrescription.Signatures.Signing;

namespace EPrescription.Cli;

/// <summary>`eprx sign`: signs a document's exact bytes as a clinic or pharmacy system would, with a PKCS#12 key.</summary>
public sealed class SignCommand : ICommand
{
    public string Usage => "sign --key FILE.p12 [--password PW] [--detached] [--pss] [--out FILE] DOC";

    public string Summary =>
        "Write a CMS (CAdES-BES, SHA-256) signature of DOC: DOC.p7s when --detached, else DOC.p7m with the document inside. " +
        $"The password comes from --password, else EPRX_KEY_PASSWORD, else the dev PKI's '{DevPkiGenerator.Pkcs12Password}'.";

    public Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? keyFile = null, password = null, output = null, document = null;
        bool detached = false, pss = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--key" when i + 1 < args.Length: keyFile = args[++i]; break;
                case "--password" when i + 1 < args.Length: password = args[++i]; break;
                case "--out" when i + 1 < args.Length: output = args[++i]; break;
                case "--detached": detached = true; break;
                case "--pss": pss = true; break;
                case var option when option.StartsWith("--", StringComparison.Ordinal):
                    return UsageError(stderr, $"unknown or incomplete option '{option}'.");
                case var file when document is null: document = file; break;
                default: return UsageError(stderr, "name exactly one document.");
            }
        }
        if (keyFile is null || document is null)
            return UsageError(stderr, keyFile is null ? "--key FILE.p12 is required." : "name the document to sign.");

        password ??= Environment.GetEnvironmentVariable("EPRX_KEY_PASSWORD") ?? DevPkiGenerator.Pkcs12Password;
        output ??= document + (detached ? ".p7s" : ".p7m");
        try
        {
            var key = SigningKey.FromPkcs12File(keyFile, password);
            var signature = new CmsSigner().Sign(File.ReadAllBytes(document), key,
                new SigningOptions { Detached = detached, RsaPadding = pss ? RsaPadding.Pss : RsaPadding.Pkcs1 });
            File.WriteAllBytes(output, signature);
            stdout.WriteLine($"{output}: {(detached ? "detached" : "encapsulated")} signature by '{key.Certificate.SubjectDN}'");
            return Task.FromResult(ExitCodes.Ok);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException)
        {
            stderr.WriteLine($"eprx sign: {e.Message}");
            return Task.FromResult(ExitCodes.Unreadable);
        }
    }

    private Task<int> UsageError(TextWriter stderr, string message)
    {
        stderr.WriteLine($"eprx sign: {message}");
        stderr.WriteLine($"usage: eprx {Usage}");
        return Task.FromResult(ExitCodes.Usage);
    }
}
