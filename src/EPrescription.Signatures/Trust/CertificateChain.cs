using System.Security.Cryptography;
using Org.BouncyCastle.X509;

namespace EPrescription.Signatures.Trust;

/// <summary>Builds the path from a signer certificate to a configured trust anchor.</summary>
internal static class CertificateChain
{
    private const int MaxDepth = 8;
    private const int KeyCertSign = 5;

    public static string Fingerprint(X509Certificate certificate) =>
        Convert.ToHexString(SHA256.HashData(certificate.GetEncoded()));

    /// <summary>The chain from <paramref name="signer"/> up to and including the anchor, or null with the reason.</summary>
    public static IReadOnlyList<X509Certificate>? Build(
        X509Certificate signer, IReadOnlyCollection<X509Certificate> intermediates, TrustSnapshot trust, bool useCache, out string? error)
    {
        error = null;
        var key = useCache ? Fingerprint(signer) : null;
        if (key is not null && trust.TryGetChain(key, out var cached))
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

        IReadOnlyList<X509Certificate> Done(List<X509Certificate> built)
        {
            if (key is not null)
                trust.CacheChain(key, built);
            return built;
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
