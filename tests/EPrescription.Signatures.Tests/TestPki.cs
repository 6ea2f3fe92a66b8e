using EPrescription.Signatures.DevPki;
using EPrescription.Signatures.Signing;
using EPrescription.Signatures.Trust;
using EPrescription.Signatures.Verification;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities.Collections;
using Org.BouncyCastle.X509;

namespace EPrescription.Signatures.Tests;

/// <summary>
/// The development PKI, generated once per test run by the real generator and written to a temporary folder, so every
/// test verifies against the same kind of files <c>eprx dev-certs</c> produces.
/// </summary>
[SetUpFixture]
public sealed class TestPki
{
    private static DevPki.DevPki? _pki;
    private static string? _folder;

    public static DevPki.DevPki Pki => _pki ?? throw new InvalidOperationException("The dev PKI is generated in the set-up fixture.");

    /// <summary>The generated folder: <c>trust/</c>, <c>ca/</c>, <c>signers/</c>.</summary>
    public static string Folder => _folder ?? throw new InvalidOperationException("The dev PKI is generated in the set-up fixture.");

    /// <summary>"Now" in the tests: a minute after the PKI was generated.</summary>
    public static DateTimeOffset Now => Pki.GeneratedAt.AddMinutes(1);

    public static readonly byte[] Prescription = "JAHIS10\r\n1,1,1312345678,13,医療法人見本会 みほんクリニック\r\n201,1,1,1,見本錠５ｍｇ,1,錠\r\n"u8.ToArray();

    [OneTimeSetUp]
    public void Generate()
    {
        _pki = DevPkiGenerator.Generate(DateTimeOffset.UtcNow);
        _folder = Directory.CreateTempSubdirectory("eprx-devpki-").FullName;
        _pki.WriteTo(_folder);
    }

    [OneTimeTearDown]
    public void Remove()
    {
        if (_folder is not null)
            Directory.Delete(_folder, recursive: true);
    }

    public static TrustStore TrustFromFolder() => new(new TrustStoreOptions
    {
        TrustAnchors = [Path.Combine(Folder, "trust")],
        Crls = [Path.Combine(Folder, "trust")],
    });

    public static CmsSignatureVerifier Verifier(DateTimeOffset? now = null, TrustStore? trust = null, bool cacheChains = true) =>
        new(trust ?? TrustFromFolder(), new FixedClock(now ?? Now), new SignatureVerifierOptions { CacheChains = cacheChains });

    public static byte[] Sign(DevIdentity signer, bool detached = true, DateTimeOffset? at = null, RsaPadding padding = RsaPadding.Pkcs1, byte[]? document = null) =>
        new CmsSigner().Sign(document ?? Prescription, signer.ToSigningKey(),
            new SigningOptions { Detached = detached, SigningTime = at ?? Now, RsaPadding = padding });

    /// <summary>
    /// Signs with BouncyCastle directly, for signatures the project's signer refuses to make: SHA-1, no signingTime,
    /// several signers, a chosen certificate bag.
    /// </summary>
    public static byte[] SignRaw(
        IEnumerable<DevIdentity> signers, string algorithm = "SHA256WITHRSA", bool withSigningTime = true,
        IEnumerable<X509Certificate>? certificates = null, bool detached = true)
    {
        var generator = new CmsSignedDataGenerator();
        var all = signers.ToList();
        foreach (var signer in all)
        {
            var attributes = withSigningTime
                ? new DefaultSignedAttributeTableGenerator(new Org.BouncyCastle.Asn1.Cms.AttributeTable(
                    new Dictionary<Org.BouncyCastle.Asn1.DerObjectIdentifier, object>
                    {
                        [CmsAttributes.SigningTime] = new Org.BouncyCastle.Asn1.Cms.Attribute(CmsAttributes.SigningTime,
                            new Org.BouncyCastle.Asn1.DerSet(new Time(Now.UtcDateTime))),
                    }))
                : (CmsAttributeTableGenerator)new WithoutSigningTime();
            generator.AddSignerInfoGenerator(new SignerInfoGeneratorBuilder()
                .WithSignedAttributeGenerator(attributes)
                .Build(new Asn1SignatureFactory(algorithm, signer.PrivateKey, new SecureRandom()), signer.Certificate));
        }
        var bag = certificates?.ToList() ?? all.SelectMany(s => s.CaCertificates.Prepend(s.Certificate)).Distinct().ToList();
        generator.AddCertificates(CollectionUtilities.CreateStore(bag));
        return generator.Generate(new CmsProcessableByteArray(Prescription), !detached).GetEncoded();
    }

    private sealed class WithoutSigningTime : CmsAttributeTableGenerator
    {
        public Org.BouncyCastle.Asn1.Cms.AttributeTable GetAttributes(IDictionary<CmsAttributeTableParameter, object> parameters) =>
            new DefaultSignedAttributeTableGenerator().GetAttributes(parameters).Remove(CmsAttributes.SigningTime);
    }
}

public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

public static class ResultAssertions
{
    /// <summary>The codes of the failed checks, for asserting exactly which checks failed.</summary>
    public static string[] FailedCodes(this SignatureVerificationResult result) =>
        result.Failures.Select(f => f.Code).ToArray();

    public static CheckOutcome OutcomeOf(this SignatureVerificationResult result, SignatureCheckCode check) =>
        result.Checks.Single(c => c.Check == check).Outcome;
}
