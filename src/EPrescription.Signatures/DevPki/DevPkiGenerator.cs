using EPrescription.Signatures.Hpki;
using EPrescription.Signatures.Signing;
using EPrescription.Signatures.Trust;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace EPrescription.Signatures.DevPki;

/// <summary>One certificate of the development PKI with its private key.</summary>
public sealed record DevIdentity(string FileName, X509Certificate Certificate, AsymmetricKeyParameter PrivateKey, IReadOnlyList<X509Certificate> CaCertificates)
{
    public SigningKey ToSigningKey() => new(PrivateKey, Certificate, CaCertificates);
}

/// <summary>
/// The development PKI (開発用認証局): a root and an intermediate CA issuing HPKI-like certificates for every case the
/// verifier must tell apart. DEVELOPMENT ONLY: the private keys are published in the repository.
/// </summary>
public sealed class DevPki
{
    public required DateTimeOffset GeneratedAt { get; init; }
    public required DevIdentity RootCa { get; init; }
    public required DevIdentity IntermediateCa { get; init; }
    public required DevIdentity UntrustedRootCa { get; init; }
    public required X509Crl RootCrl { get; init; }
    public required X509Crl IntermediateCrl { get; init; }

    /// <summary>Medical Doctor (医師), RSA.</summary>
    public required DevIdentity Doctor { get; init; }
    /// <summary>Dentist (歯科医師), ECDSA P-256.</summary>
    public required DevIdentity Dentist { get; init; }
    /// <summary>Pharmacist (薬剤師), RSA.</summary>
    public required DevIdentity Pharmacist { get; init; }
    /// <summary>A doctor whose certificate expired a year before generation.</summary>
    public required DevIdentity Expired { get; init; }
    /// <summary>A doctor revoked for keyCompromise in the intermediate CRL.</summary>
    public required DevIdentity Revoked { get; init; }
    /// <summary>A certificate with no hcRole.</summary>
    public required DevIdentity NoHcRole { get; init; }
    /// <summary>A doctor whose key usage allows only encipherment, not signing.</summary>
    public required DevIdentity NoSigningKeyUsage { get; init; }
    /// <summary>A doctor under the untrusted root.</summary>
    public required DevIdentity Untrusted { get; init; }

    public IEnumerable<DevIdentity> Signers => [Doctor, Dentist, Pharmacist, Expired, Revoked, NoHcRole, NoSigningKeyUsage, Untrusted];

    /// <summary>
    /// Writes the PKI as files: <c>trust/</c> (what a verifier trusts: root certificate and CRLs), <c>ca/</c> (CA
    /// certificates and keys), <c>signers/</c> (per signer: certificate, key, CA chain as PEM, and PKCS#12).
    /// </summary>
    public void WriteTo(string folder)
    {
        var trust = Directory.CreateDirectory(Path.Combine(folder, "trust")).FullName;
        var ca = Directory.CreateDirectory(Path.Combine(folder, "ca")).FullName;
        var signers = Directory.CreateDirectory(Path.Combine(folder, "signers")).FullName;

        File.WriteAllText(Path.Combine(trust, "root-ca.crt.pem"), CertificateFiles.ToPem(RootCa.Certificate));
        File.WriteAllText(Path.Combine(trust, "root-ca.crl.pem"), CertificateFiles.ToPem(RootCrl));
        File.WriteAllText(Path.Combine(trust, "intermediate-ca.crl.pem"), CertificateFiles.ToPem(IntermediateCrl));

        foreach (var authority in new[] { RootCa, IntermediateCa, UntrustedRootCa })
        {
            File.WriteAllText(Path.Combine(ca, $"{authority.FileName}.crt.pem"), CertificateFiles.ToPem(authority.Certificate));
            File.WriteAllText(Path.Combine(ca, $"{authority.FileName}.key.pem"), CertificateFiles.ToPem(authority.PrivateKey));
        }

        foreach (var signer in Signers)
        {
            var path = Path.Combine(signers, signer.FileName);
            File.WriteAllText(path + ".crt.pem", CertificateFiles.ToPem(signer.Certificate));
            File.WriteAllText(path + ".key.pem", CertificateFiles.ToPem(signer.PrivateKey));
            File.WriteAllText(path + ".chain.pem", string.Concat(signer.CaCertificates.Select(CertificateFiles.ToPem)));
            File.WriteAllBytes(path + ".p12", DevPkiGenerator.ToPkcs12(signer, DevPkiGenerator.Pkcs12Password));
        }
    }
}

/// <summary>Generates the development PKI with BouncyCastle; <c>eprx dev-certs</c> runs it.</summary>
public static class DevPkiGenerator
{
    /// <summary>The password of every PKCS#12 file of the development PKI.</summary>
    public const string Pkcs12Password = "dev-only";

    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(365 * 20 + 5);

    public static DevPki Generate(DateTimeOffset now)
    {
        var random = new SecureRandom();
        var at = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var caFrom = at.AddYears(-5);
        var leafFrom = at.AddDays(-30);
        var until = at + Lifetime;

        var root = SelfSigned("root-ca", Name("EPrescription DEVELOPMENT ONLY Root CA"), Rsa(random), caFrom, until + TimeSpan.FromDays(365), random);
        var intermediateKey = Rsa(random);
        var intermediate = new DevIdentity("intermediate-ca",
            Issue(root, Name("EPrescription DEVELOPMENT ONLY Intermediate CA"), intermediateKey.Public, caFrom, until + TimeSpan.FromDays(180), CaExtensions(0), random),
            intermediateKey.Private, [root.Certificate]);
        var untrustedRoot = SelfSigned("untrusted-root-ca", Name("Untrusted DEVELOPMENT ONLY Root CA", "見本外部認証局"), Rsa(random), caFrom, until + TimeSpan.FromDays(365), random);

        DevIdentity Leaf(string file, DevIdentity issuer, X509Name subject, AsymmetricCipherKeyPair key, string? role,
            int keyUsage = KeyUsage.DigitalSignature | KeyUsage.NonRepudiation, DateTimeOffset? from = null, DateTimeOffset? to = null)
        {
            var extensions = new List<(DerObjectIdentifier, bool, Asn1Encodable)>
            {
                (X509Extensions.BasicConstraints, true, new BasicConstraints(false)),
                (X509Extensions.KeyUsage, true, new KeyUsage(keyUsage)),
            };
            if (role is not null)
                extensions.Add((X509Extensions.SubjectDirectoryAttributes, false, HcRole.CreateExtension(role)));
            var certificate = Issue(issuer, subject, key.Public, from ?? leafFrom, to ?? until, extensions, random);
            return new DevIdentity(file, certificate, key.Private, [issuer.Certificate, .. issuer.CaCertificates.Where(c => !c.Equals(issuer.Certificate))]);
        }

        const string clinic = "医療法人見本会 みほんクリニック";
        var pki = new
        {
            Doctor = Leaf("doctor", intermediate, Person("見本 一郎", clinic), Rsa(random), HcRole.MedicalDoctor),
            Dentist = Leaf("dentist", intermediate, Person("見本 花子", "みほん歯科医院"), EcP256(random), HcRole.Dentist),
            Pharmacist = Leaf("pharmacist", intermediate, Person("見本 次郎", "株式会社見本薬局 みほん薬局本店"), Rsa(random), HcRole.Pharmacist),
            Expired = Leaf("expired", intermediate, Person("見本 三郎", clinic), Rsa(random), HcRole.MedicalDoctor,
                from: at.AddYears(-3), to: at.AddYears(-1)),
            Revoked = Leaf("revoked", intermediate, Person("見本 四郎", clinic), Rsa(random), HcRole.MedicalDoctor),
            NoHcRole = Leaf("no-hcrole", intermediate, Person("見本 五郎", clinic), Rsa(random), null),
            NoSigningKeyUsage = Leaf("no-signing-usage", intermediate, Person("見本 六郎", clinic), Rsa(random), HcRole.MedicalDoctor,
                keyUsage: KeyUsage.KeyEncipherment | KeyUsage.DataEncipherment),
            Untrusted = Leaf("untrusted", untrustedRoot, Person("見本 七郎", clinic), Rsa(random), HcRole.MedicalDoctor),
        };

        var crlUntil = until;
        return new DevPki
        {
            GeneratedAt = at,
            RootCa = root,
            IntermediateCa = intermediate,
            UntrustedRootCa = untrustedRoot,
            RootCrl = IssueCrl(root, [], at.AddHours(-1), crlUntil),
            IntermediateCrl = IssueCrl(intermediate,
                [new CrlEntry(pki.Revoked.Certificate.SerialNumber, at.AddDays(-1), CrlReason.KeyCompromise)], at.AddHours(-1), crlUntil),
            Doctor = pki.Doctor,
            Dentist = pki.Dentist,
            Pharmacist = pki.Pharmacist,
            Expired = pki.Expired,
            Revoked = pki.Revoked,
            NoHcRole = pki.NoHcRole,
            NoSigningKeyUsage = pki.NoSigningKeyUsage,
            Untrusted = pki.Untrusted,
        };
    }

    /// <summary>One revoked certificate in a CRL; <paramref name="Reason"/> is a <see cref="CrlReason"/> value.</summary>
    public sealed record CrlEntry(BigInteger SerialNumber, DateTimeOffset RevokedOn, int Reason);

    /// <summary>A CRL signed by <paramref name="issuer"/>; tests use it for stale CRLs and other revocation reasons.</summary>
    public static X509Crl IssueCrl(DevIdentity issuer, IEnumerable<CrlEntry> entries, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate)
    {
        var generator = new X509V2CrlGenerator();
        generator.SetIssuerDN(issuer.Certificate.SubjectDN);
        generator.SetThisUpdate(thisUpdate.UtcDateTime);
        generator.SetNextUpdate(nextUpdate.UtcDateTime);
        foreach (var entry in entries)
            generator.AddCrlEntry(entry.SerialNumber, entry.RevokedOn.UtcDateTime, entry.Reason);
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false,
            X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuer.Certificate));
        generator.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.ValueOf(thisUpdate.ToUnixTimeSeconds())));
        return generator.Generate(new Asn1SignatureFactory(SignatureAlgorithm(issuer.PrivateKey), issuer.PrivateKey));
    }

    /// <summary>PKCS#12 with 3DES rather than BouncyCastle's RC2 default, which OpenSSL 3 reads only with its legacy provider.</summary>
    public static byte[] ToPkcs12(DevIdentity identity, string password)
    {
        var store = new Pkcs12StoreBuilder()
            .SetKeyAlgorithm(PkcsObjectIdentifiers.PbeWithShaAnd3KeyTripleDesCbc)
            .SetCertAlgorithm(PkcsObjectIdentifiers.PbeWithShaAnd3KeyTripleDesCbc)
            .SetUseDerEncoding(true)
            .Build();
        var chain = new[] { identity.Certificate }.Concat(identity.CaCertificates).Select(c => new X509CertificateEntry(c)).ToArray();
        store.SetKeyEntry(identity.FileName, new AsymmetricKeyEntry(identity.PrivateKey), chain);
        using var output = new MemoryStream();
        store.Save(output, password.ToCharArray(), new SecureRandom());
        return output.ToArray();
    }

    private static X509Name Name(string commonName, string organization = "EPrescription 開発用認証局") =>
        new([X509Name.C, X509Name.O, X509Name.CN], ["JP", organization, commonName]);

    private static X509Name Person(string name, string organization) =>
        new([X509Name.C, X509Name.O, X509Name.CN], ["JP", organization, name]);

    private static List<(DerObjectIdentifier, bool, Asn1Encodable)> CaExtensions(int? pathLength) =>
    [
        (X509Extensions.BasicConstraints, true, pathLength is { } length ? new BasicConstraints(length) : new BasicConstraints(true)),
        (X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign)),
    ];

    private static DevIdentity SelfSigned(string file, X509Name subject, AsymmetricCipherKeyPair key, DateTimeOffset from, DateTimeOffset to, SecureRandom random)
    {
        var generator = Generator(subject, subject, key.Public, from, to, CaExtensions(null), random);
        var certificate = generator.Generate(new Asn1SignatureFactory(SignatureAlgorithm(key.Private), key.Private, random));
        return new DevIdentity(file, certificate, key.Private, []);
    }

    private static X509Certificate Issue(DevIdentity issuer, X509Name subject, AsymmetricKeyParameter publicKey, DateTimeOffset from, DateTimeOffset to,
        List<(DerObjectIdentifier, bool, Asn1Encodable)> extensions, SecureRandom random)
    {
        var generator = Generator(issuer.Certificate.SubjectDN, subject, publicKey, from, to, extensions, random);
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuer.Certificate));
        return generator.Generate(new Asn1SignatureFactory(SignatureAlgorithm(issuer.PrivateKey), issuer.PrivateKey, random));
    }

    private static X509V3CertificateGenerator Generator(X509Name issuer, X509Name subject, AsymmetricKeyParameter publicKey,
        DateTimeOffset from, DateTimeOffset to, List<(DerObjectIdentifier, bool, Asn1Encodable)> extensions, SecureRandom random)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BigInteger(63, random).Add(BigInteger.One));
        generator.SetIssuerDN(issuer);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(from.UtcDateTime);
        generator.SetNotAfter(to.UtcDateTime);
        generator.SetPublicKey(publicKey);
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(publicKey));
        foreach (var (oid, critical, value) in extensions)
            generator.AddExtension(oid, critical, value);
        return generator;
    }

    private static string SignatureAlgorithm(AsymmetricKeyParameter key) => key is ECPrivateKeyParameters ? "SHA256WITHECDSA" : "SHA256WITHRSA";

    private static AsymmetricCipherKeyPair Rsa(SecureRandom random)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(65537), random, 2048, 100));
        return generator.GenerateKeyPair();
    }

    private static AsymmetricCipherKeyPair EcP256(SecureRandom random)
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, random));
        return generator.GenerateKeyPair();
    }
}
