namespace EPrescription.Signatures.Verification;

/// <summary>
/// Everything the verifier found: every check with its outcome, the top-level failure for the API,
/// and who signed and when, for the API to return.
/// </summary>
public sealed class SignatureVerificationResult
{
    internal SignatureVerificationResult(IReadOnlyList<SignatureCheck> checks, SignerDetails? signer, byte[]? content)
    {
        Checks = checks;
        Signer = signer;
        SignedContent = content;
    }

    /// <summary>Every check that was run or skipped, in the order it was run.</summary>
    public IReadOnlyList<SignatureCheck> Checks { get; }

    public IReadOnlyList<SignatureCheck> Failures => Checks.Where(c => c.Failed).ToList();

    public bool IsValid => !Checks.Any(c => c.Failed);

    /// <summary>The failure the API reports when several checks fail; null when valid.</summary>
    public SignatureFailure? Failure => IsValid ? null : Checks.Where(c => c.Failed).Min(c => c.Failure);

    /// <summary>The top-level upper-snake code, e.g. <c>CERTIFICATE_REVOKED</c>; null when valid.</summary>
    public string? FailureCode => Failure is { } failure ? SignatureChecks.CodeOf(failure) : null;

    /// <summary>Known when the signer's certificate could be found in the CMS, even if checks failed.</summary>
    public SignerDetails? Signer { get; }

    /// <summary>The exact bytes that were signed: the encapsulated content, or the detached document given.</summary>
    public byte[]? SignedContent { get; }
}

/// <summary>Who signed, as the certificate and the signed attributes say.</summary>
/// <param name="Name">The subject's common name, e.g. 見本 一郎.</param>
/// <param name="Organization">The subject's organization (clinic or pharmacy), if any.</param>
/// <param name="Subject">The full subject distinguished name.</param>
/// <param name="SerialNumber">The certificate serial number, upper-case hexadecimal.</param>
/// <param name="Issuer">The issuer distinguished name.</param>
/// <param name="Role">The HPKI hcRole as written in the certificate, e.g. "Medical Doctor"; null when absent.</param>
/// <param name="SigningTime">The signed signingTime attribute; null when absent or unreadable.</param>
public sealed record SignerDetails(
    string Name,
    string? Organization,
    string Subject,
    string SerialNumber,
    string Issuer,
    string? Role,
    DateTimeOffset? SigningTime);

/// <summary>Who must have signed the document being verified.</summary>
public enum ExpectedSignerRole
{
    /// <summary>A prescription (処方箋): signed by a medical doctor (医師) or a dentist (歯科医師).</summary>
    Prescriber,
    /// <summary>A dispensing result (調剤結果): signed by a pharmacist (薬剤師).</summary>
    Pharmacist,
}

public sealed record SignatureVerifierOptions
{
    /// <summary>How far in the future a signingTime may lie, for clocks that disagree a little.</summary>
    public TimeSpan SigningTimeSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Reuse a chain once built for a certificate. CRLs are consulted on every verification regardless.</summary>
    public bool CacheChains { get; init; } = true;
}
