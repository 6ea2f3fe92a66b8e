using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace EPrescription.Signatures.Trust;

/// <summary>Reads and writes certificates, CRLs and keys as PEM or DER files.</summary>
public static class CertificateFiles
{
    /// <summary>Every certificate in a PEM or DER file; an empty list when the file holds none (e.g. only a CRL).</summary>
    public static IReadOnlyList<X509Certificate> ReadCertificates(byte[] data)
    {
        if (IsPem(data) && !Encoding.ASCII.GetString(data).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            return [];
        try
        {
            return [.. new X509CertificateParser().ReadCertificates(data)];
        }
        catch (Exception) when (!IsPem(data))
        {
            // A DER file that is not a certificate may be a CRL; the caller decides whether that is an error.
            return [];
        }
    }

    /// <summary>Every CRL in a PEM or DER file; an empty list when the file holds none (e.g. only a certificate).</summary>
    public static IReadOnlyList<X509Crl> ReadCrls(byte[] data)
    {
        if (IsPem(data) && !Encoding.ASCII.GetString(data).Contains("-----BEGIN X509 CRL-----", StringComparison.Ordinal))
            return [];
        try
        {
            return [.. new X509CrlParser().ReadCrls(data)];
        }
        catch (Exception) when (!IsPem(data))
        {
            return [];
        }
    }

    public static AsymmetricKeyParameter ReadPrivateKey(string pem)
    {
        using var reader = new StringReader(pem);
        return new PemReader(reader).ReadObject() switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter { IsPrivate: true } key => key,
            _ => throw new InvalidDataException("The file holds no private key."),
        };
    }

    public static string ToPem(X509Certificate certificate) => Pem("CERTIFICATE", certificate.GetEncoded());

    public static string ToPem(X509Crl crl) => Pem("X509 CRL", crl.GetEncoded());

    /// <summary>Unencrypted PKCS#8, the form <c>openssl</c> reads without options.</summary>
    public static string ToPem(AsymmetricKeyParameter privateKey) =>
        Pem("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).GetEncoded());

    private static string Pem(string label, byte[] der) =>
        new string(System.Security.Cryptography.PemEncoding.Write(label, der)) + "\n";

    private static bool IsPem(byte[] data) =>
        data.AsSpan().IndexOf("-----BEGIN "u8) >= 0;
}
