using EPrescription.Signatures.DevPki;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.X509;

namespace EPrescription.Signatures.Tests;

/// <summary>Certificates an attacker might slip into a signature's certificate bag.</summary>
public static class Forge
{
    /// <summary>A certificate with the victim's issuer, serial, subject and extensions but another key, signed by <paramref name="signingKey"/>.</summary>
    public static X509Certificate SameIssuerAndSerial(DevIdentity victim, AsymmetricKeyParameter signingKey, AsymmetricKeyParameter publicKey)
    {
        var original = victim.Certificate;
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(original.SerialNumber);
        generator.SetIssuerDN(original.IssuerDN);
        generator.SetSubjectDN(original.SubjectDN);
        generator.SetNotBefore(original.NotBefore);
        generator.SetNotAfter(original.NotAfter.AddDays(1)); // a different encoding even when the key is the same
        generator.SetPublicKey(publicKey);
        foreach (var oid in original.GetCriticalExtensionOids())
            generator.CopyAndAddExtension(new Org.BouncyCastle.Asn1.DerObjectIdentifier(oid), true, original);
        foreach (var oid in original.GetNonCriticalExtensionOids())
            generator.CopyAndAddExtension(new Org.BouncyCastle.Asn1.DerObjectIdentifier(oid), false, original);
        return generator.Generate(new Asn1SignatureFactory("SHA256WITHRSA", signingKey));
    }
}
