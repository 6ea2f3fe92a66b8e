using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities.Collections;
using Org.BouncyCastle.X509;
using CmsAttribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using CmsAttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;

namespace EPrescription.Signatures.Signing;

/// <summary>How an RSA key signs; ECDSA keys ignore it.</summary>
public enum RsaPadding
{
    Pkcs1,
    Pss,
}

/// <summary>What to produce when signing.</summary>
public sealed record SigningOptions
{
    /// <summary>Leave the document out of the CMS (the signature travels beside it).</summary>
    public bool Detached { get; init; }

    public RsaPadding RsaPadding { get; init; } = RsaPadding.Pkcs1;

    /// <summary>The signed signingTime; the clock's current time when null.</summary>
    public DateTimeOffset? SigningTime { get; init; }
}

/// <summary>
/// Makes CMS SignedData (CAdES-BES) signatures with SHA-256: signingTime and signing-certificate-v2 signed attributes,
/// the signer and CA certificates in the certificate bag. The output verifies with <c>openssl cms -verify</c>.
/// </summary>
public sealed class CmsSigner(TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public byte[] Sign(byte[] document, SigningKey key, SigningOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(key);
        options ??= new SigningOptions();
        var signingTime = (options.SigningTime ?? _time.GetUtcNow()).UtcDateTime;

        var signedAttributes = new CmsAttributeTable(new Dictionary<DerObjectIdentifier, object>
        {
            [CmsAttributes.SigningTime] = new CmsAttribute(CmsAttributes.SigningTime, new DerSet(new Org.BouncyCastle.Asn1.Cms.Time(signingTime))),
            [PkcsObjectIdentifiers.IdAASigningCertificateV2] = new CmsAttribute(
                PkcsObjectIdentifiers.IdAASigningCertificateV2,
                new DerSet(new SigningCertificateV2(new EssCertIDv2(DigestUtilities.CalculateDigest("SHA-256", key.Certificate.GetEncoded()))))),
        });

        var signatureFactory = new Asn1SignatureFactory(SignatureAlgorithm(key, options.RsaPadding), key.PrivateKey, new SecureRandom());
        var signerInfo = new SignerInfoGeneratorBuilder()
            .WithSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator(signedAttributes))
            .Build(signatureFactory, key.Certificate);

        var generator = new CmsSignedDataGenerator();
        generator.AddSignerInfoGenerator(signerInfo);
        generator.AddCertificates(CollectionUtilities.CreateStore(new[] { key.Certificate }.Concat(key.CaCertificates).ToList()));

        var signed = generator.Generate(new CmsProcessableByteArray(document), encapsulate: !options.Detached);
        return signed.GetEncoded(Asn1Encodable.Der);
    }

    private static string SignatureAlgorithm(SigningKey key, RsaPadding padding) => key.PrivateKey switch
    {
        RsaKeyParameters when padding == RsaPadding.Pss => "SHA256WITHRSAANDMGF1",
        RsaKeyParameters => "SHA256WITHRSA",
        ECPrivateKeyParameters => "SHA256WITHECDSA",
        _ => throw new NotSupportedException("Only RSA and ECDSA keys can sign."),
    };
}
