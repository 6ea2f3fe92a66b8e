namespace EPrescription.Signatures.Verification;

/// <summary>One check the verifier runs. Each has a stable upper-snake code (<see cref="SignatureChecks.CodeOf"/>).</summary>
public enum SignatureCheckCode
{
    /// <summary>The bytes are a well-formed CMS SignedData with the content where it is expected.</summary>
    CmsMalformed,
    /// <summary>Exactly one SignerInfo.</summary>
    SignerCount,
    /// <summary>The signer's certificate is in the CMS and matches the signed ESS signing-certificate attribute.</summary>
    SignerCertificate,
    /// <summary>RSA (PKCS#1 v1.5 or PSS, 2048 bits or more) or ECDSA P-256.</summary>
    SignatureAlgorithm,
    /// <summary>SHA-256 or stronger; SHA-1 and MD5 refused.</summary>
    DigestWeak,
    /// <summary>The signature value and the message-digest attribute match the content.</summary>
    SignatureValue,
    /// <summary>The certificate chains to a configured trust anchor.</summary>
    ChainUntrusted,
    /// <summary>The signed signingTime attribute is present and not in the future beyond the allowed skew.</summary>
    SigningTime,
    /// <summary>Every certificate of the chain was valid at the signing time.</summary>
    CertificateValidity,
    /// <summary>No certificate of the chain is revoked according to the configured CRLs.</summary>
    Revocation,
    /// <summary>The CRLs used are current (before their nextUpdate) and correctly signed.</summary>
    CrlCurrent,
    /// <summary>The key usage extension allows digitalSignature or nonRepudiation.</summary>
    KeyUsage,
    /// <summary>The HPKI hcRole fits the document (doctor or dentist for a prescription, pharmacist for a dispensing result).</summary>
    HcRole,
}

public enum CheckOutcome
{
    Passed,
    Failed,
    /// <summary>Not run because an earlier check made it impossible (e.g. no chain, so no CRL to consult).</summary>
    Skipped,
}

/// <summary>
/// The top-level failure the HTTP API reports (SPEC §4). Declared in precedence order: when several checks fail,
/// the lowest value wins, because a broken signature makes every statement about its certificate moot.
/// </summary>
public enum SignatureFailure
{
    SignatureInvalid,
    CertificateUntrusted,
    CertificateRevoked,
    CertificateExpired,
    SignerNotQualified,
}

/// <summary>The outcome of one check, with a message a person can act on.</summary>
public sealed record SignatureCheck(SignatureCheckCode Check, CheckOutcome Outcome, string Message)
{
    /// <summary>The stable sub-code, e.g. <c>CMS_MALFORMED</c>.</summary>
    public string Code => SignatureChecks.CodeOf(Check);

    /// <summary>The top-level failure this check maps to when it fails.</summary>
    public SignatureFailure Failure => SignatureChecks.FailureOf(Check);

    public bool Failed => Outcome == CheckOutcome.Failed;

    public override string ToString() => $"{Outcome,-7} {Code}: {Message}";
}

public static class SignatureChecks
{
    public static string CodeOf(SignatureCheckCode check) => check switch
    {
        SignatureCheckCode.CmsMalformed => "CMS_MALFORMED",
        SignatureCheckCode.SignerCount => "SIGNER_COUNT",
        SignatureCheckCode.SignerCertificate => "SIGNER_CERTIFICATE",
        SignatureCheckCode.SignatureAlgorithm => "SIGNATURE_ALGORITHM",
        SignatureCheckCode.DigestWeak => "DIGEST_WEAK",
        SignatureCheckCode.SignatureValue => "SIGNATURE_VALUE",
        SignatureCheckCode.ChainUntrusted => "CHAIN_UNTRUSTED",
        SignatureCheckCode.SigningTime => "SIGNING_TIME",
        SignatureCheckCode.CertificateValidity => "CERTIFICATE_VALIDITY",
        SignatureCheckCode.Revocation => "CERTIFICATE_REVOKED",
        SignatureCheckCode.CrlCurrent => "CRL_NOT_CURRENT",
        SignatureCheckCode.KeyUsage => "KEY_USAGE",
        SignatureCheckCode.HcRole => "HC_ROLE",
        _ => throw new ArgumentOutOfRangeException(nameof(check), check, null),
    };

    public static SignatureFailure FailureOf(SignatureCheckCode check) => check switch
    {
        SignatureCheckCode.CmsMalformed or SignatureCheckCode.SignerCount or SignatureCheckCode.SignerCertificate
            or SignatureCheckCode.SignatureAlgorithm or SignatureCheckCode.DigestWeak
            or SignatureCheckCode.SignatureValue => SignatureFailure.SignatureInvalid,
        SignatureCheckCode.ChainUntrusted => SignatureFailure.CertificateUntrusted,
        SignatureCheckCode.SigningTime or SignatureCheckCode.CertificateValidity => SignatureFailure.CertificateExpired,
        // A stale CRL means "not revoked" cannot be established, so it fails with the revocation family.
        SignatureCheckCode.Revocation or SignatureCheckCode.CrlCurrent => SignatureFailure.CertificateRevoked,
        SignatureCheckCode.KeyUsage or SignatureCheckCode.HcRole => SignatureFailure.SignerNotQualified,
        _ => throw new ArgumentOutOfRangeException(nameof(check), check, null),
    };

    /// <summary>The stable upper-snake code the HTTP API puts in its problem document, e.g. <c>CERTIFICATE_REVOKED</c>.</summary>
    public static string CodeOf(SignatureFailure failure) => failure switch
    {
        SignatureFailure.SignatureInvalid => "SIGNATURE_INVALID",
        SignatureFailure.CertificateUntrusted => "CERTIFICATE_UNTRUSTED",
        SignatureFailure.CertificateRevoked => "CERTIFICATE_REVOKED",
        SignatureFailure.CertificateExpired => "CERTIFICATE_EXPIRED",
        SignatureFailure.SignerNotQualified => "SIGNER_NOT_QUALIFIED",
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };
}
