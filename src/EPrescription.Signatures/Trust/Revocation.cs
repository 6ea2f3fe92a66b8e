using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace EPrescription.Signatures.Trust;

/// <summary>What the configured CRLs say about a chain.</summary>
internal sealed record RevocationFindings(
    IReadOnlyList<string> Revoked,
    IReadOnlyList<string> CrlProblems,
    IReadOnlyList<string> Notes);

/// <summary>Consults the CRLs of the trust snapshot for every certificate of a chain except the anchor.</summary>
internal static class Revocation
{
    public static RevocationFindings Check(
        IReadOnlyList<X509Certificate> chain, DateTimeOffset? signingTime, DateTimeOffset now, TrustSnapshot trust)
    {
        var revoked = new List<string>();
        var problems = new List<string>();
        var notes = new List<string>();

        for (var i = 0; i + 1 < chain.Count; i++)
        {
            var certificate = chain[i];
            var issuer = chain[i + 1];
            var issuerKey = CertificateChain.Fingerprint(issuer);
            var candidates = trust.Crls.Where(c => c.IssuerDN.Equivalent(issuer.SubjectDN, true)).ToList();
            if (candidates.Count == 0)
            {
                notes.Add($"no CRL configured for '{issuer.SubjectDN}'");
                continue;
            }

            var crl = candidates.Where(c => trust.CrlVerifies(c, issuer, issuerKey)).MaxBy(c => c.ThisUpdate);
            if (crl is null)
            {
                problems.Add($"the CRL of '{issuer.SubjectDN}' is not signed by that CA");
                continue;
            }

            if (crl.NextUpdate is { } nextUpdate && nextUpdate < now.UtcDateTime)
                problems.Add($"the CRL of '{issuer.SubjectDN}' is past its nextUpdate {nextUpdate:yyyy-MM-dd HH:mm:ss}Z");

            var entry = crl.GetRevokedCertificate(certificate.SerialNumber);
            if (entry is null)
                continue;

            var reason = ReasonOf(entry);
            var revokedOn = new DateTimeOffset(entry.RevocationDate, TimeSpan.Zero);
            var description = $"'{certificate.SubjectDN}' (serial {certificate.SerialNumber.ToString(16).ToUpperInvariant()}) " +
                              $"revoked on {revokedOn:yyyy-MM-dd HH:mm:ss}Z, reason {ReasonName(reason)}";
            if (reason == CrlReason.RemoveFromCrl)
                continue;
            // A compromised key may have signed anything, whenever the signature claims it was made.
            if (reason is CrlReason.KeyCompromise or CrlReason.CACompromise)
                revoked.Add(description);
            else if (signingTime is null || signingTime >= revokedOn)
                revoked.Add(description + (signingTime is null ? " (no signing time to show the signature predates it)" : ", before the signature"));
            else
                notes.Add(description + ", after the signature was made");
        }

        return new RevocationFindings(revoked, problems, notes);
    }

    private static int? ReasonOf(X509CrlEntry entry)
    {
        var value = entry.GetExtensionValue(X509Extensions.ReasonCode);
        if (value is null)
            return null;
        return DerEnumerated.GetInstance(X509ExtensionUtilities.FromExtensionValue(value)).IntValueExact;
    }

    private static string ReasonName(int? reason) => reason switch
    {
        null => "unspecified",
        CrlReason.Unspecified => "unspecified",
        CrlReason.KeyCompromise => "keyCompromise",
        CrlReason.CACompromise => "cACompromise",
        CrlReason.AffiliationChanged => "affiliationChanged",
        CrlReason.Superseded => "superseded",
        CrlReason.CessationOfOperation => "cessationOfOperation",
        CrlReason.CertificateHold => "certificateHold",
        CrlReason.PrivilegeWithdrawn => "privilegeWithdrawn",
        CrlReason.AACompromise => "aACompromise",
        _ => reason.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
