using System.Collections.Concurrent;
using System.Security.Cryptography;
using EPrescription.Signatures.Hpki;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace EPrescription.Signatures.Trust;

/// <summary>
/// Signer certificates the verifier has met, each read once: its key, hcRole and names. Keyed by the SHA-256 of the DER
/// encoding, so only the very same bytes find an entry (a forged certificate with the genuine one's issuer and serial has
/// other bytes). Nothing here depends on time, trust anchors or CRLs, so an entry never needs to be taken back.
/// </summary>
internal sealed class KnownCertificates
{
    // Many more signers than verify in one day of a regional network; reaching it starts the cache afresh.
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, KnownCertificate> _entries = new(StringComparer.Ordinal);

    /// <summary>A certificate BouncyCastle has already parsed (out of a CMS whose bag could not be taken apart).</summary>
    public KnownCertificate Of(X509Certificate certificate)
    {
        var fingerprint = CertificateChain.Fingerprint(certificate);
        if (_entries.TryGetValue(fingerprint, out var known))
            return known;
        return Add(fingerprint, new KnownCertificate(certificate, fingerprint));
    }

    /// <summary>
    /// The certificate encoded as <paramref name="encoded"/> (one entry of a CMS certificate bag), parsed only the first
    /// time these bytes come. Throws what BouncyCastle throws for bytes that are not a certificate.
    /// </summary>
    public KnownCertificate Read(ReadOnlySpan<byte> encoded)
    {
        var key = Convert.ToHexString(SHA256.HashData(encoded));
        if (_entries.TryGetValue(key, out var known))
            return known;
        // As BouncyCastle reads a certificate out of a CMS bag (CmsSignedData.GetCertificates).
        var certificate = new X509Certificate(X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(encoded.ToArray())));
        // The fingerprint is of the DER encoding, which is what was sent unless the sender used another BER form.
        var fingerprint = CertificateChain.Fingerprint(certificate);
        return Add(key, new KnownCertificate(certificate, fingerprint));
    }

    private KnownCertificate Add(string key, KnownCertificate certificate)
    {
        if (_entries.Count >= MaxEntries)
            _entries.Clear();
        return _entries.GetOrAdd(key, certificate);
    }
}

/// <summary>One certificate and what the verifier reads of it.</summary>
internal sealed class KnownCertificate
{
    private AsymmetricKeyParameter? _publicKey;

    public KnownCertificate(X509Certificate certificate, string fingerprint)
    {
        Certificate = certificate;
        Fingerprint = fingerprint;
        Sha256 = Convert.FromHexString(fingerprint);
        Roles = ReadRoles(certificate);
        var subject = certificate.SubjectDN;
        Subject = subject.ToString();
        Name = subject.GetValueList(X509Name.CN).FirstOrDefault() ?? Subject;
        Organization = subject.GetValueList(X509Name.O).FirstOrDefault();
        SerialNumber = certificate.SerialNumber.ToString(16).ToUpperInvariant();
        Issuer = certificate.IssuerDN.ToString();
    }

    public X509Certificate Certificate { get; }

    /// <summary>Upper-case hexadecimal SHA-256 of the DER encoding.</summary>
    public string Fingerprint { get; }

    /// <summary>The SHA-256 of the DER encoding, as an ESS signing-certificate-v2 attribute names it.</summary>
    public byte[] Sha256 { get; }

    /// <summary>The hcRole codes; empty when there are none or the extension cannot be read.</summary>
    public IReadOnlyList<string> Roles { get; }

    public string Subject { get; }

    public string Name { get; }

    public string? Organization { get; }

    public string SerialNumber { get; }

    public string Issuer { get; }

    /// <summary>Decoded on first use; an undecodable key throws each time it is asked for, as the check that asks expects.</summary>
    public AsymmetricKeyParameter PublicKey => _publicKey ??= PublicKeys.Of(Certificate);

    private static IReadOnlyList<string> ReadRoles(X509Certificate certificate)
    {
        try
        {
            return HcRole.Read(certificate);
        }
        catch (Exception)
        {
            // Unreadable is the same as absent: the role check says the certificate has no hcRole.
            return [];
        }
    }
}
