using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace EPrescription.Signatures.Trust;

/// <summary>What the configured CRLs say about a chain.</summary>
internal sealed record RevocationFindings(
    IReadOnlyList<string> Revoked,
    IReadOnlyList<string> CrlProblems,
    IReadOnlyList<string> Notes);

/// <summary>
/// The CRL that speaks for one issuer in a loaded trust configuration: the newest (by thisUpdate) of the CRLs with the
/// issuer's name that verify with its key, and its entries by serial number. Found once per issuer and configuration;
/// a reload, which is how a new CRL version arrives, starts with none.
/// </summary>
internal sealed class IssuerCrl
{
    private readonly Dictionary<BigInteger, CrlEntry> _entries = [];

    private IssuerCrl(X509Crl? crl, bool configured)
    {
        Crl = crl;
        Configured = configured;
        if (crl is null)
            return;
        NextUpdate = crl.NextUpdate;
        // BouncyCastle's GetRevokedCertificate walks the whole list on every call and answers the first entry of a serial.
        foreach (var entry in crl.CertificateList.GetRevokedCertificateEnumeration())
            _entries.TryAdd(entry.UserCertificate.Value, entry);
    }

    /// <summary>Null when no CRL of the issuer's name is configured, or none of them is signed by the issuer.</summary>
    public X509Crl? Crl { get; }

    /// <summary>Whether any CRL with the issuer's name is configured at all.</summary>
    public bool Configured { get; }

    public DateTime? NextUpdate { get; }

    public CrlEntry? Find(BigInteger serialNumber) => _entries.GetValueOrDefault(serialNumber);

    public static IssuerCrl For(X509Certificate issuer, IReadOnlyList<X509Crl> crls)
    {
        var candidates = crls.Where(c => c.IssuerDN.Equivalent(issuer.SubjectDN, true)).ToList();
        if (candidates.Count == 0)
            return new IssuerCrl(null, configured: false);
        return new IssuerCrl(candidates.Where(c => Verifies(c, issuer)).MaxBy(c => c.ThisUpdate), configured: true);
    }

    private static bool Verifies(X509Crl crl, X509Certificate issuer)
    {
        try
        {
            crl.Verify(PublicKeys.Of(issuer));
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }
}

/// <summary>Consults the CRLs of the trust snapshot for every certificate of a chain except the anchor.</summary>
internal static class Revocation
{
    public static RevocationFindings Check(TrustedChain chain, DateTimeOffset? signingTime, DateTimeOffset now, TrustSnapshot trust)
    {
        var revoked = new List<string>();
        var problems = new List<string>();
        var notes = new List<string>();

        for (var i = 0; i + 1 < chain.Certificates.Count; i++)
        {
            var issuerName = chain.Subjects[i + 1];
            var issuerCrl = trust.CrlOf(chain.Certificates[i + 1], chain.Fingerprints[i + 1]);
            if (!issuerCrl.Configured)
            {
                notes.Add($"no CRL configured for '{issuerName}'");
                continue;
            }
            if (issuerCrl.Crl is null)
            {
                problems.Add($"the CRL of '{issuerName}' is not signed by that CA");
                continue;
            }

            if (issuerCrl.NextUpdate is { } nextUpdate && nextUpdate < now.UtcDateTime)
                problems.Add($"the CRL of '{issuerName}' is past its nextUpdate {nextUpdate:yyyy-MM-dd HH:mm:ss}Z");

            var certificate = chain.Certificates[i];
            var entry = issuerCrl.Find(certificate.SerialNumber);
            if (entry is null)
                continue;

            var reason = ReasonOf(entry);
            var revokedOn = new DateTimeOffset(entry.RevocationDate.ToDateTime(), TimeSpan.Zero);
            var description = $"'{chain.Subjects[i]}' (serial {certificate.SerialNumber.ToString(16).ToUpperInvariant()}) " +
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

    private static int? ReasonOf(CrlEntry entry)
    {
        var value = entry.Extensions?.GetExtension(X509Extensions.ReasonCode)?.Value;
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
