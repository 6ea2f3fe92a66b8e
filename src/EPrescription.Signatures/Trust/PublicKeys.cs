using System.Collections.Concurrent;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace EPrescription.Signatures.Trust;

/// <summary>
/// Public keys decoded once per distinct key. BouncyCastle validates an RSA modulus on every decode (about 25 ms for
/// 2048 bits), and every CMS brings a freshly parsed certificate, so without this RSA verification runs at tens per second.
/// </summary>
internal static class PublicKeys
{
    private const int MaxKeys = 10_000;
    private static readonly ConcurrentDictionary<string, AsymmetricKeyParameter> Keys = new(StringComparer.Ordinal);

    public static AsymmetricKeyParameter Of(X509Certificate certificate)
    {
        var id = Convert.ToHexString(SHA256.HashData(certificate.CertificateStructure.SubjectPublicKeyInfo.GetDerEncoded()));
        if (Keys.TryGetValue(id, out var key))
            return key;
        if (Keys.Count >= MaxKeys)
            Keys.Clear();
        return Keys.GetOrAdd(id, _ => certificate.GetPublicKey());
    }
}
