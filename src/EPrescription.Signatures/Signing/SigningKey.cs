using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;

namespace EPrescription.Signatures.Signing;

/// <summary>A private key with its certificate and the CA certificates to send along with signatures.</summary>
public sealed class SigningKey
{
    public SigningKey(AsymmetricKeyParameter privateKey, X509Certificate certificate, IReadOnlyList<X509Certificate>? caCertificates = null)
    {
        if (!privateKey.IsPrivate)
            throw new ArgumentException("A private key is required.", nameof(privateKey));
        PrivateKey = privateKey;
        Certificate = certificate;
        CaCertificates = caCertificates ?? [];
    }

    public AsymmetricKeyParameter PrivateKey { get; }

    public X509Certificate Certificate { get; }

    /// <summary>Intermediate (and possibly root) CA certificates, signer first excluded.</summary>
    public IReadOnlyList<X509Certificate> CaCertificates { get; }

    /// <summary>Reads the first key entry of a PKCS#12 (.p12/.pfx) file and its certificate chain.</summary>
    /// <exception cref="InvalidDataException">The file is not PKCS#12, the password is wrong, or it holds no key.</exception>
    public static SigningKey FromPkcs12(byte[] pkcs12, string password)
    {
        Pkcs12Store store;
        try
        {
            store = new Pkcs12StoreBuilder().Build();
            using var input = new MemoryStream(pkcs12);
            store.Load(input, password.ToCharArray());
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException)
        {
            throw new InvalidDataException($"Cannot open the PKCS#12 file (wrong password or not PKCS#12): {e.Message}", e);
        }

        var alias = store.Aliases.FirstOrDefault(store.IsKeyEntry)
            ?? throw new InvalidDataException("The PKCS#12 file holds no private key.");
        var chain = store.GetCertificateChain(alias)?.Select(e => e.Certificate).ToList()
            ?? [store.GetCertificate(alias).Certificate];
        return new SigningKey(store.GetKey(alias).Key, chain[0], chain.Skip(1).ToList());
    }

    public static SigningKey FromPkcs12File(string path, string password) => FromPkcs12(File.ReadAllBytes(path), password);
}
