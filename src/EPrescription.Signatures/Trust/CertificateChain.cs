using System.Security.Cryptography;
using Org.BouncyCastle.X509;

namespace EPrescription.Signatures.Trust;

/// <summary>
/// A chain from a signer certificate up to and including a trust anchor, with what the validity and revocation checks read
/// of its certificates, read once when the chain is built.
/// </summary>
internal sealed class TrustedChain
{
    public TrustedChain(IReadOnlyList<X509Certificate> certificates)
    {
        Certificates = certificates;
        Subjects = [.. certificates.Select(c => c.SubjectDN.ToString())];
        Validity = [.. certificates.Select(c => (c.NotBefore, c.NotAfter))];
        Fingerprints = [.. certificates.Select(CertificateChain.Fingerprint)];
    }

    /// <summary>The signer first, the anchor last; each certificate is issued by the next.</summary>
    public IReadOnlyList<X509Certificate> Certificates { get; }

    /// <summary>Each certificate's subject name, as messages quote it.</summary>
    public IReadOnlyList<string> Subjects { get; }

    public IReadOnlyList<(DateTime NotBefore, DateTime NotAfter)> Validity { get; }

    /// <summary>Each certificate's SHA-256 fingerprint: how the CRLs of an issuer are found again.</summary>
    public IReadOnlyList<string> Fingerprints { get; }

    public string AnchorSubject => Subjects[^1];
}

/// <summary>Builds the path from a signer certificate to a configured trust anchor.</summary>
internal static class CertificateChain
{
    private const int MaxDepth = 8;
    private const int KeyCertSign = 5;

    public static string Fingerprint(X509Certificate certificate) =>
        Convert.ToHexString(SHA256.HashData(certificate.GetEncoded()));

    /// <summary>
    /// The chain from <paramref name="signer"/> (whose <paramref name="fingerprint"/> the caller has) to an anchor of
    /// <paramref name="trust"/>, or null with the reason. With <paramref name="useCache"/> a chain once built for the same
    /// certificate bytes is reused: it depends only on the certificate and the anchors, and the cache belongs to the anchors.
    /// </summary>
    public static TrustedChain? Build(
        X509Certificate signer, string fingerprint, IReadOnlyCollection<X509Certificate> intermediates, TrustSnapshot trust, bool useCache,
        out string? error)
    {
        error = null;
        if (useCache && trust.TryGetChain(fingerprint, out var cached))
            return cached;

        var chain = new List<X509Certificate> { signer };
        var current = signer;
        for (var depth = 0; depth < MaxDepth; depth++)
        {
            if (trust.Anchors.Any(a => a.Equals(current)))
                return Done(chain);

            var anchor = trust.Anchors.FirstOrDefault(a => IsIssuedBy(current, a));
            if (anchor is not null)
            {
                chain.Add(anchor);
                return Done(chain);
            }

            var issuer = intermediates.FirstOrDefault(c => !chain.Contains(c) && IsCertificateAuthority(c) && IsIssuedBy(current, c));
            if (issuer is null)
            {
                error = $"No trust anchor or CA certificate in the signature issued '{current.SubjectDN}' (issuer '{current.IssuerDN}').";
                return null;
            }
            chain.Add(issuer);
            current = issuer;
        }
        error = $"The chain is longer than {MaxDepth} certificates.";
        return null;

        TrustedChain Done(List<X509Certificate> built)
        {
            var trusted = new TrustedChain(built);
            if (useCache)
                trust.CacheChain(fingerprint, trusted);
            return trusted;
        }
    }

    private static bool IsIssuedBy(X509Certificate certificate, X509Certificate issuer)
    {
        if (!certificate.IssuerDN.Equivalent(issuer.SubjectDN, true))
            return false;
        try
        {
            certificate.Verify(PublicKeys.Of(issuer));
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    private static bool IsCertificateAuthority(X509Certificate certificate)
    {
        if (certificate.GetBasicConstraints() < 0)
            return false;
        var keyUsage = certificate.GetKeyUsage();
        return keyUsage is null || keyUsage[KeyCertSign];
    }
}
