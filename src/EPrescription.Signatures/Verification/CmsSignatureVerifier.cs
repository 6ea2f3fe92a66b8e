using EPrescription.Signatures.Hpki;
using EPrescription.Signatures.Trust;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using CmsAttribute = Org.BouncyCastle.Asn1.Cms.Attribute;

namespace EPrescription.Signatures.Verification;

/// <summary>
/// Verifies a CMS SignedData (CAdES-BES) over a document's exact bytes and reports every check. Never throws for bad
/// input: whatever BouncyCastle rejects becomes a failed check. Thread-safe; one instance serves the whole process, and
/// keeps what depends only on a certificate's bytes (its key, role and names) for the next signature of the same signer;
/// the trust store keeps chains and CRL look-ups (see <see cref="TrustSnapshot"/>).
/// </summary>
public sealed class CmsSignatureVerifier(TrustStore trustStore, TimeProvider? timeProvider = null, SignatureVerifierOptions? options = null)
{
    private const int DigitalSignature = 0;
    private const int NonRepudiation = 1;
    private const int MinimumRsaBits = 2048;

    private static readonly HashSet<string> StrongDigests =
    [
        "2.16.840.1.101.3.4.2.1", // SHA-256
        "2.16.840.1.101.3.4.2.2", // SHA-384
        "2.16.840.1.101.3.4.2.3", // SHA-512
        "2.16.840.1.101.3.4.2.8", // SHA3-256
        "2.16.840.1.101.3.4.2.9", // SHA3-384
        "2.16.840.1.101.3.4.2.10", // SHA3-512
    ];

    // Signature algorithm identifiers that name their own digest, which must be strong too.
    private static readonly HashSet<string> WeakSignatureAlgorithms =
    [
        "1.2.840.113549.1.1.2", // md2WithRSAEncryption
        "1.2.840.113549.1.1.4", // md5WithRSAEncryption
        "1.2.840.113549.1.1.5", // sha1WithRSAEncryption
        "1.2.840.113549.1.1.14", // sha224WithRSAEncryption
        "1.2.840.10045.4.1", // ecdsa-with-SHA1
        "1.2.840.10045.4.3.1", // ecdsa-with-SHA224
    ];

    private static readonly HashSet<string> RsaSignatureAlgorithms =
    [
        "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.2", "1.2.840.113549.1.1.4", "1.2.840.113549.1.1.5",
        "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13", "1.2.840.113549.1.1.14",
    ];

    private static readonly HashSet<string> EcdsaSignatureAlgorithms =
    [
        "1.2.840.10045.2.1", "1.2.840.10045.4.1", "1.2.840.10045.4.3.1", "1.2.840.10045.4.3.2",
        "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4",
    ];

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly SignatureVerifierOptions _options = options ?? new SignatureVerifierOptions();
    private readonly KnownCertificates _certificates = new();

    /// <summary>Verifies a detached signature over <paramref name="document"/>, the exact bytes that were signed.</summary>
    public SignatureVerificationResult VerifyDetached(byte[] document, byte[] signature, ExpectedSignerRole role)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(signature);
        return Verify(signature, document, role);
    }

    /// <summary>Verifies a CMS that carries the signed document inside; the result's <c>SignedContent</c> holds it.</summary>
    public SignatureVerificationResult VerifyEncapsulated(byte[] signedDocument, ExpectedSignerRole role)
    {
        ArgumentNullException.ThrowIfNull(signedDocument);
        return Verify(signedDocument, null, role);
    }

    private SignatureVerificationResult Verify(byte[] cms, byte[]? detachedContent, ExpectedSignerRole role)
    {
        var checks = new List<SignatureCheck>();
        var now = _time.GetUtcNow();
        var trust = trustStore.Current;

        // 1. Structure: everything BouncyCastle parses lazily is forced here, so later checks meet no parse errors.
        CmsSignedData signedData;
        IList<SignerInformation> signers;
        List<X509Certificate> certificates;
        List<KnownCertificate>? bag = null;
        byte[]? content;
        try
        {
            if (cms.Length == 0)
                return Malformed(checks, "The signature is empty.");
            if (CertificateBag.TrySplit(cms, out var withoutBag, out var encodedCertificates))
            {
                bag = [.. encodedCertificates.Select(c => _certificates.Read(c.Span))];
                cms = withoutBag;
            }
            signedData = detachedContent is null
                ? new CmsSignedData(cms)
                : new CmsSignedData(new CmsProcessableByteArray(detachedContent), cms);
            if (!CmsObjectIdentifiers.SignedData.Equals(signedData.ContentInfo.ContentType))
                return Malformed(checks, $"The CMS is of type {signedData.ContentInfo.ContentType}, not SignedData.");
            signers = signedData.GetSignerInfos().GetSigners();
            certificates = bag is null ? [.. signedData.GetCertificates().EnumerateMatches(null)] : [.. bag.Select(c => c.Certificate)];
            content = detachedContent ?? EncapsulatedContent(signedData);
            if (content is null)
                return Malformed(checks, "The CMS is detached (it carries no document); send the document with it.");
        }
        catch (Exception e)
        {
            return Malformed(checks, $"Not a readable CMS SignedData: {e.Message}");
        }
        checks.Add(Passed(SignatureCheckCode.CmsMalformed, "Well-formed CMS SignedData."));

        // 2. Exactly one signer: a second signature would be unexplained, and which one to check ambiguous.
        if (signers.Count == 0)
        {
            checks.Add(Failed(SignatureCheckCode.SignerCount, "The CMS has no signer."));
            return Finish(checks, null, content);
        }
        checks.Add(signers.Count == 1
            ? Passed(SignatureCheckCode.SignerCount, "One signer.")
            : Failed(SignatureCheckCode.SignerCount, $"The CMS has {signers.Count} signers; exactly one is allowed. The first is checked."));
        var signer = signers[0];

        var found = certificates.FirstOrDefault(c => signer.SignerID.Match(c));
        string? unreadable = null;
        var signingTime = ReadSigningTime(signer, out var signingTimeError);
        var certificate = found is null ? null : bag?.First(c => ReferenceEquals(c.Certificate, found)) ?? Know(found, out unreadable);
        var roles = certificate?.Roles ?? [];
        var details = certificate is null ? null : Describe(certificate, signingTime);

        checks.Add(found is not null && certificate is null
            ? Failed(SignatureCheckCode.SignerCertificate, $"The signer's certificate cannot be read: {unreadable}")
            : Run(SignatureCheckCode.SignerCertificate, () => CheckSignerCertificate(signer, certificate)));
        checks.Add(Run(SignatureCheckCode.SignatureAlgorithm, () => CheckAlgorithm(signer, certificate)));
        checks.Add(Run(SignatureCheckCode.DigestWeak, () => CheckDigest(signer)));
        checks.Add(certificate is null
            ? Skipped(SignatureCheckCode.SignatureValue, "No signer certificate to verify with.")
            : Run(SignatureCheckCode.SignatureValue, () => signer.Verify(certificate.PublicKey)
                ? Passed(SignatureCheckCode.SignatureValue, "The signature matches the document.")
                : Failed(SignatureCheckCode.SignatureValue, "The signature value does not match the document.")));
        checks.Add(CheckSigningTime(signingTime, signingTimeError, now));

        if (certificate is null)
        {
            foreach (var code in new[] { SignatureCheckCode.ChainUntrusted, SignatureCheckCode.CertificateValidity, SignatureCheckCode.Revocation,
                         SignatureCheckCode.CrlCurrent, SignatureCheckCode.KeyUsage, SignatureCheckCode.HcRole })
                checks.Add(Skipped(code, "No signer certificate."));
            return Finish(checks, null, content);
        }

        TrustedChain? chain = null;
        checks.Add(Run(SignatureCheckCode.ChainUntrusted, () =>
        {
            chain = CertificateChain.Build(certificate.Certificate, certificate.Fingerprint, certificates, trust, _options.CacheChains, out var chainError);
            return chain is null
                ? Failed(SignatureCheckCode.ChainUntrusted, chainError!)
                : Passed(SignatureCheckCode.ChainUntrusted, $"Chains to trust anchor '{chain.AnchorSubject}'.");
        }));

        checks.Add(Run(SignatureCheckCode.CertificateValidity, () => CheckValidity(chain ?? new TrustedChain([certificate.Certificate]), signingTime)));
        AddRevocationChecks(checks, chain, signingTime, now, trust);
        checks.Add(Run(SignatureCheckCode.KeyUsage, () => CheckKeyUsage(certificate.Certificate)));
        checks.Add(Run(SignatureCheckCode.HcRole, () => CheckRole(roles, role)));

        return Finish(checks, details, content);
    }

    /// <summary>The cached reading of a certificate; null, with the reason, when even its encoding cannot be read.</summary>
    private KnownCertificate? Know(X509Certificate certificate, out string? unreadable)
    {
        unreadable = null;
        try
        {
            return _certificates.Of(certificate);
        }
        catch (Exception e)
        {
            unreadable = e.Message;
            return null;
        }
    }

    private static SignatureCheck CheckSignerCertificate(SignerInformation signer, KnownCertificate? certificate)
    {
        if (certificate is null)
            return Failed(SignatureCheckCode.SignerCertificate,
                $"The signer's certificate (issuer '{signer.SignerID.Issuer}', serial {signer.SignerID.SerialNumber?.ToString(16).ToUpperInvariant()}) is not in the CMS.");

        // CAdES-BES binds the certificate under the signature; a certificate swapped for another with the same
        // issuer and serial is caught here even before the signature value.
        var attributes = signer.SignedAttributes;
        var v2 = attributes?[PkcsObjectIdentifiers.IdAASigningCertificateV2];
        var v1 = attributes?[PkcsObjectIdentifiers.IdAASigningCertificate];
        if (v2 is not null)
        {
            var id = SigningCertificateV2.GetInstance(v2.AttrValues[0]).GetCerts()[0];
            var hash = NistObjectIdentifiers.IdSha256.Equals(id.HashAlgorithm.Algorithm)
                ? certificate.Sha256
                : DigestUtilities.CalculateDigest(id.HashAlgorithm.Algorithm, certificate.Certificate.GetEncoded());
            if (!hash.AsSpan().SequenceEqual(id.GetCertHash()))
                return Failed(SignatureCheckCode.SignerCertificate, "The signer's certificate is not the one named in the signed signing-certificate-v2 attribute.");
        }
        else if (v1 is not null)
        {
            var id = SigningCertificate.GetInstance(v1.AttrValues[0]).GetCerts()[0];
            if (!DigestUtilities.CalculateDigest("SHA-1", certificate.Certificate.GetEncoded()).AsSpan().SequenceEqual(id.GetCertHash()))
                return Failed(SignatureCheckCode.SignerCertificate, "The signer's certificate is not the one named in the signed signing-certificate attribute.");
        }
        return Passed(SignatureCheckCode.SignerCertificate, $"Signer certificate found: '{certificate.Subject}'.");
    }

    private static SignatureCheck CheckAlgorithm(SignerInformation signer, KnownCertificate? certificate)
    {
        var algorithm = signer.SignatureAlgorithm.Algorithm.Id;
        var key = certificate?.PublicKey;
        if (RsaSignatureAlgorithms.Contains(algorithm) || algorithm == PkcsObjectIdentifiers.IdRsassaPss.Id)
        {
            var padding = algorithm == PkcsObjectIdentifiers.IdRsassaPss.Id ? "RSA-PSS" : "RSA PKCS#1 v1.5";
            return key switch
            {
                null => Passed(SignatureCheckCode.SignatureAlgorithm, padding),
                RsaKeyParameters rsa when rsa.Modulus.BitLength >= MinimumRsaBits => Passed(SignatureCheckCode.SignatureAlgorithm, $"{padding}, {rsa.Modulus.BitLength}-bit key."),
                RsaKeyParameters rsa => Failed(SignatureCheckCode.SignatureAlgorithm, $"{padding} with a {rsa.Modulus.BitLength}-bit key; at least {MinimumRsaBits} bits are required."),
                _ => Failed(SignatureCheckCode.SignatureAlgorithm, $"{padding} signature, but the certificate's key is not RSA."),
            };
        }
        if (EcdsaSignatureAlgorithms.Contains(algorithm))
        {
            return key switch
            {
                null => Passed(SignatureCheckCode.SignatureAlgorithm, "ECDSA"),
                ECPublicKeyParameters ec when IsP256(ec) => Passed(SignatureCheckCode.SignatureAlgorithm, "ECDSA P-256."),
                ECPublicKeyParameters => Failed(SignatureCheckCode.SignatureAlgorithm, "ECDSA on a curve other than P-256."),
                _ => Failed(SignatureCheckCode.SignatureAlgorithm, "ECDSA signature, but the certificate's key is not EC."),
            };
        }
        return Failed(SignatureCheckCode.SignatureAlgorithm, $"Signature algorithm {algorithm} is not accepted; use RSA (PKCS#1 v1.5 or PSS) or ECDSA P-256.");
    }

    private static bool IsP256(ECPublicKeyParameters key) =>
        SecObjectIdentifiers.SecP256r1.Equals(key.PublicKeyParamSet)
        || key.Parameters.Curve.Equals(SecNamedCurves.GetByOid(SecObjectIdentifiers.SecP256r1).Curve);

    private static SignatureCheck CheckDigest(SignerInformation signer)
    {
        var digest = signer.DigestAlgorithmID.Algorithm.Id;
        if (!StrongDigests.Contains(digest))
            return Failed(SignatureCheckCode.DigestWeak, $"Digest {DigestName(digest)} is too weak; SHA-256 or stronger is required.");
        if (WeakSignatureAlgorithms.Contains(signer.SignatureAlgorithm.Algorithm.Id))
            return Failed(SignatureCheckCode.DigestWeak, $"Signature algorithm {signer.SignatureAlgorithm.Algorithm.Id} uses a digest weaker than SHA-256.");
        if (signer.SignatureAlgorithm.Algorithm.Id == PkcsObjectIdentifiers.IdRsassaPss.Id)
        {
            var pss = RsassaPssParameters.GetInstance(signer.SignatureAlgorithm.Parameters);
            if (!StrongDigests.Contains(pss.HashAlgorithm.Algorithm.Id))
                return Failed(SignatureCheckCode.DigestWeak, $"RSA-PSS with digest {DigestName(pss.HashAlgorithm.Algorithm.Id)}; SHA-256 or stronger is required.");
        }
        return Passed(SignatureCheckCode.DigestWeak, $"Digest {DigestName(digest)}.");
    }

    private static string DigestName(string oid)
    {
        var name = DigestUtilities.GetAlgorithmName(new DerObjectIdentifier(oid));
        return name ?? oid;
    }

    private SignatureCheck CheckSigningTime(DateTimeOffset? signingTime, string? error, DateTimeOffset now)
    {
        if (signingTime is null)
            return Failed(SignatureCheckCode.SigningTime, error ?? "The signature has no signed signingTime attribute.");
        if (signingTime > now + _options.SigningTimeSkew)
            return Failed(SignatureCheckCode.SigningTime, $"The signing time {signingTime:yyyy-MM-dd HH:mm:ss}Z lies in the future (now {now:yyyy-MM-dd HH:mm:ss}Z).");
        return Passed(SignatureCheckCode.SigningTime, $"Signed at {signingTime:yyyy-MM-dd HH:mm:ss}Z.");
    }

    private static SignatureCheck CheckValidity(TrustedChain chain, DateTimeOffset? signingTime)
    {
        if (signingTime is null)
            return Skipped(SignatureCheckCode.CertificateValidity, "No signing time to check the certificates against.");
        var at = signingTime.Value.UtcDateTime;
        var invalid = new List<string>();
        for (var i = 0; i < chain.Validity.Count; i++)
        {
            var (notBefore, notAfter) = chain.Validity[i];
            if (at < notBefore || at > notAfter)
                invalid.Add($"'{chain.Subjects[i]}' is valid from {notBefore:yyyy-MM-dd HH:mm:ss}Z to {notAfter:yyyy-MM-dd HH:mm:ss}Z");
        }
        return invalid.Count == 0
            ? Passed(SignatureCheckCode.CertificateValidity, "Every certificate was valid at the signing time.")
            : Failed(SignatureCheckCode.CertificateValidity, $"Not valid at the signing time {signingTime:yyyy-MM-dd HH:mm:ss}Z: {string.Join("; ", invalid)}.");
    }

    private static void AddRevocationChecks(
        List<SignatureCheck> checks, TrustedChain? chain, DateTimeOffset? signingTime, DateTimeOffset now, TrustSnapshot trust)
    {
        if (chain is null)
        {
            checks.Add(Skipped(SignatureCheckCode.Revocation, "No trusted chain, so no CRL to consult."));
            checks.Add(Skipped(SignatureCheckCode.CrlCurrent, "No trusted chain, so no CRL to consult."));
            return;
        }
        try
        {
            var findings = Revocation.Check(chain, signingTime, now, trust);
            var notes = findings.Notes.Count == 0 ? "" : $" ({string.Join("; ", findings.Notes)})";
            checks.Add(findings.Revoked.Count > 0
                ? Failed(SignatureCheckCode.Revocation, $"Revoked: {string.Join("; ", findings.Revoked)}.")
                : Passed(SignatureCheckCode.Revocation, "Not revoked according to the configured CRLs." + notes));
            checks.Add(findings.CrlProblems.Count > 0
                ? Failed(SignatureCheckCode.CrlCurrent, $"Revocation status is not current: {string.Join("; ", findings.CrlProblems)}.")
                : Passed(SignatureCheckCode.CrlCurrent, "The CRLs used are current."));
        }
        catch (Exception e)
        {
            checks.Add(Failed(SignatureCheckCode.Revocation, $"Revocation could not be checked: {e.Message}"));
        }
    }

    private static SignatureCheck CheckKeyUsage(X509Certificate certificate)
    {
        var usage = certificate.GetKeyUsage();
        if (usage is null)
            return Passed(SignatureCheckCode.KeyUsage, "No key usage restriction.");
        return usage[DigitalSignature] || usage[NonRepudiation]
            ? Passed(SignatureCheckCode.KeyUsage, "Key usage allows signing.")
            : Failed(SignatureCheckCode.KeyUsage, "The certificate's key usage allows neither digitalSignature nor nonRepudiation.");
    }

    private static SignatureCheck CheckRole(IReadOnlyList<string> roles, ExpectedSignerRole expected)
    {
        string[] accepted = expected switch
        {
            ExpectedSignerRole.Prescriber => [HcRole.MedicalDoctor, HcRole.Dentist],
            ExpectedSignerRole.Pharmacist => [HcRole.Pharmacist],
            _ => throw new ArgumentOutOfRangeException(nameof(expected), expected, null),
        };
        var document = expected == ExpectedSignerRole.Prescriber ? "a prescription" : "a dispensing result";
        if (roles.Count == 0)
            return Failed(SignatureCheckCode.HcRole, $"The certificate has no HPKI hcRole; {document} must be signed by a {string.Join(" or ", accepted)}.");
        var match = roles.FirstOrDefault(r => accepted.Contains(r, StringComparer.OrdinalIgnoreCase));
        return match is not null
            ? Passed(SignatureCheckCode.HcRole, $"hcRole {match} may sign {document}.")
            : Failed(SignatureCheckCode.HcRole, $"hcRole {string.Join(", ", roles)} may not sign {document}; it must be signed by a {string.Join(" or ", accepted)}.");
    }

    private static DateTimeOffset? ReadSigningTime(SignerInformation signer, out string? error)
    {
        error = null;
        try
        {
            var attributes = signer.SignedAttributes;
            var all = attributes?.GetAll(CmsAttributes.SigningTime);
            if (all is null || all.Count == 0)
                return null;
            if (all.Count > 1)
            {
                error = "The signature has more than one signingTime attribute.";
                return null;
            }
            var attribute = CmsAttribute.GetInstance(all[0]);
            return new DateTimeOffset(DateTime.SpecifyKind(Org.BouncyCastle.Asn1.Cms.Time.GetInstance(attribute.AttrValues[0]).ToDateTime(), DateTimeKind.Utc));
        }
        catch (Exception e)
        {
            error = $"The signingTime attribute is unreadable: {e.Message}";
            return null;
        }
    }

    private static byte[]? EncapsulatedContent(CmsSignedData signedData)
    {
        if (signedData.SignedContent is null)
            return null;
        using var buffer = new MemoryStream();
        signedData.SignedContent.Write(buffer);
        return buffer.ToArray();
    }

    private static SignerDetails Describe(KnownCertificate certificate, DateTimeOffset? signingTime) => new(
        Name: certificate.Name,
        Organization: certificate.Organization,
        Subject: certificate.Subject,
        SerialNumber: certificate.SerialNumber,
        Issuer: certificate.Issuer,
        Role: certificate.Roles.FirstOrDefault(),
        SigningTime: signingTime);

    private static SignatureCheck Run(SignatureCheckCode code, Func<SignatureCheck> check)
    {
        try
        {
            return check();
        }
        catch (Exception e)
        {
            return Failed(code, $"Could not be checked: {e.Message}");
        }
    }

    private static SignatureVerificationResult Malformed(List<SignatureCheck> checks, string message)
    {
        checks.Add(Failed(SignatureCheckCode.CmsMalformed, message));
        return Finish(checks, null, null);
    }

    private static SignatureVerificationResult Finish(List<SignatureCheck> checks, SignerDetails? signer, byte[]? content) =>
        new(checks, signer, content);

    private static SignatureCheck Passed(SignatureCheckCode code, string message) => new(code, CheckOutcome.Passed, message);

    private static SignatureCheck Failed(SignatureCheckCode code, string message) => new(code, CheckOutcome.Failed, message);

    private static SignatureCheck Skipped(SignatureCheckCode code, string message) => new(code, CheckOutcome.Skipped, message);
}
