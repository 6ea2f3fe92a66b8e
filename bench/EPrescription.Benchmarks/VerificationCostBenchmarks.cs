using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using EPrescription.Signatures.DevPki;
using EPrescription.Signatures.Hpki;
using EPrescription.Signatures.Signing;
using EPrescription.Signatures.Trust;
using EPrescription.Signatures.Verification;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace EPrescription.Benchmarks;

/// <summary>
/// What one verification of a doctor-signed prescription costs, taken apart (issue 11, item 4): the service's full
/// verification as the server runs it (certs-dev/ trust folder as anchors and CRLs), the raw RSA-2048 PKCS#1 v1.5 check of a
/// SHA-256 digest with an already-decoded key (the floor: BouncyCastle's arithmetic), and every piece in between, so the
/// difference is attributed. OpenSSL through .NET's RSA is the reference. The document is the shared sample
/// rx_jahis10_01_basic.txt, signed (detached, SHA-256, PKCS#1 v1.5, CAdES-BES attributes) with certs-dev/signers/doctor.p12.
/// <c>dotnet run -c Release --project bench/EPrescription.Benchmarks -- --filter '*VerificationCost*' --inProcess</c>
/// </summary>
[MemoryDiagnoser]
[Config(typeof(CpuTimeConfig))]
public class VerificationCostBenchmarks
{
    private TrustStore _trust = null!;
    private CmsSignatureVerifier _verifier = null!;
    private byte[] _document = [];
    private byte[] _detached = [];
    private byte[] _encapsulated = [];

    private SignerInformation _signer = null!;
    private X509Certificate _certificate = null!;
    private List<X509Certificate> _bag = [];
    private byte[][] _bagDer = [];
    private string _fingerprint = "";
    private TrustedChain _chain = null!;
    private DateTimeOffset _signingTime;
    private AsymmetricKeyParameter _key = null!;
    private byte[] _signedAttributesDigest = [];
    private byte[] _signatureValue = [];
    private RSA _openSsl = null!;
    private readonly KnownCertificates _known = new();

    [GlobalSetup]
    public void Setup()
    {
        _document = File.ReadAllBytes(RepositoryFiles.Path("tests", "samples", "rx_jahis10_01_basic.txt"));
        var doctor = SigningKey.FromPkcs12File(RepositoryFiles.Path("certs-dev", "signers", "doctor.p12"), DevPkiGenerator.Pkcs12Password);
        var signer = new CmsSigner(TimeProvider.System);
        _detached = signer.Sign(_document, doctor, new SigningOptions { Detached = true });
        _encapsulated = signer.Sign(_document, doctor, new SigningOptions { Detached = false });

        // As src/EPrescription.Api configures it: the trust folder is both the anchors and the CRLs.
        var trustFolder = RepositoryFiles.Path("certs-dev", "trust");
        _trust = new TrustStore(new TrustStoreOptions { TrustAnchors = [trustFolder], Crls = [trustFolder] });
        _verifier = new CmsSignatureVerifier(_trust, TimeProvider.System);

        var cms = new CmsSignedData(new CmsProcessableByteArray(_document), _detached);
        _signer = cms.GetSignerInfos().GetSigners()[0];
        _bag = [.. cms.GetCertificates().EnumerateMatches(null)];
        _bagDer = [.. _bag.Select(c => c.GetEncoded())];
        _certificate = _bag.First(c => _signer.SignerID.Match(c));
        _fingerprint = CertificateChain.Fingerprint(_certificate);
        _chain = CertificateChain.Build(_certificate, _fingerprint, _bag, _trust.Current, useCache: false, out _)
            ?? throw new InvalidOperationException("The doctor's certificate does not chain to certs-dev/trust.");
        _signingTime = DateTimeOffset.UtcNow;
        _key = _certificate.GetPublicKey();
        _signedAttributesDigest = SHA256.HashData(_signer.GetEncodedSignedAttributes());
        _signatureValue = _signer.GetSignature();
        _openSsl = RSA.Create();
        _openSsl.ImportSubjectPublicKeyInfo(_certificate.CertificateStructure.SubjectPublicKeyInfo.GetDerEncoded(), out _);

        if (!FullDetached() || !FullEncapsulated() || !BouncyCastleRsaPkcs1() || !OpenSslRsaPkcs1() || !SignerInformationVerify())
            throw new InvalidOperationException("The benchmark signature does not verify.");
        JitWarmUp.Run(() => FullDetached());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _trust.Dispose();
        _openSsl.Dispose();
    }

    // (a) What Register and Dispense call.

    [Benchmark(Description = "(a) full verification, detached (VerifyDetached)")]
    public bool FullDetached() => _verifier.VerifyDetached(_document, _detached, ExpectedSignerRole.Prescriber).IsValid;

    [Benchmark(Description = "(a) full verification, encapsulated (VerifyEncapsulated)")]
    public bool FullEncapsulated() => _verifier.VerifyEncapsulated(_encapsulated, ExpectedSignerRole.Prescriber).IsValid;

    // (b) The floor, and the arithmetic inside it.

    [Benchmark(Description = "(b) BouncyCastle RSA-2048 PKCS#1 v1.5 verify of a SHA-256 digest, key decoded")]
    public bool BouncyCastleRsaPkcs1()
    {
        // What SignerInformation does after hashing: DigestInfo(SHA-256, digest) against the decrypted signature block.
        var verifier = new RsaDigestSigner(new NullDigest(), NistObjectIdentifiers.IdSha256);
        verifier.Init(false, _key);
        verifier.BlockUpdate(_signedAttributesDigest, 0, _signedAttributesDigest.Length);
        return verifier.VerifySignature(_signatureValue);
    }

    [Benchmark(Description = "(b) BouncyCastle RSA public operation alone (s^e mod n)")]
    public int BouncyCastleRsaModPow()
    {
        var engine = new RsaEngine();
        engine.Init(false, _key);
        return engine.ProcessBlock(_signatureValue, 0, _signatureValue.Length).Length;
    }

    // (d) The reference: the same check by OpenSSL through .NET.

    [Benchmark(Description = "(d) OpenSSL (.NET RSA) PKCS#1 v1.5 verify of the same digest, key imported")]
    public bool OpenSslRsaPkcs1() =>
        _openSsl.VerifyHash(_signedAttributesDigest, _signatureValue, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    // (c) The pieces in between.

    [Benchmark(Description = "(c) CMS parse: SignedData and its SignerInfo")]
    public SignerInformation CmsParse() =>
        new CmsSignedData(new CmsProcessableByteArray(_document), _detached).GetSignerInfos().GetSigners()[0];

    [Benchmark(Description = "(c) CMS parse + certificate objects of the bag")]
    public int CmsParseWithCertificates()
    {
        var cms = new CmsSignedData(new CmsProcessableByteArray(_document), _detached);
        _ = cms.GetSignerInfos().GetSigners()[0];
        return cms.GetCertificates().EnumerateMatches(null).Count();
    }

    [Benchmark(Description = "(c) CMS parse without the certificate bag, as the verifier parses it")]
    public SignerInformation CmsParseWithoutBag()
    {
        if (!CertificateBag.TrySplit(_detached, out var withoutBag, out _))
            throw new InvalidOperationException("The benchmark signature has no plain certificate bag.");
        return new CmsSignedData(new CmsProcessableByteArray(_document), withoutBag).GetSignerInfos().GetSigners()[0];
    }

    [Benchmark(Description = "(c) certificate bag: certificates found again by the SHA-256 of their bytes")]
    public int CertificateBagKnown()
    {
        CertificateBag.TrySplit(_detached, out _, out var encoded);
        var count = 0;
        foreach (var certificate in encoded)
            count += _known.Read(certificate.Span).Certificate.Version;
        return count;
    }

    [Benchmark(Description = "(c) certificate parse from DER, every certificate of the bag")]
    public int CertificateParse()
    {
        var parser = new X509CertificateParser();
        var count = 0;
        foreach (var der in _bagDer)
            count += parser.ReadCertificate(der).Version;
        return count;
    }

    [Benchmark(Description = "(c) certificate fingerprint: DER re-encode + SHA-256, signer")]
    public string CertificateFingerprint() => CertificateChain.Fingerprint(_certificate);

    [Benchmark(Description = "(c) signer facts: hcRole extension + subject names")]
    public int SignerFacts()
    {
        var roles = HcRole.Read(_certificate);
        return roles.Count + _certificate.SubjectDN.ToString().Length + _certificate.IssuerDN.ToString().Length
            + (_certificate.SubjectDN.GetValueList(X509Name.CN).FirstOrDefault()?.Length ?? 0);
    }

    [Benchmark(Description = "(c) content digest: SHA-256 of the document (BouncyCastle)")]
    public byte[] ContentDigest() => DigestUtilities.CalculateDigest("SHA-256", _document);

    [Benchmark(Description = "(c) signed-attributes digest: DER encode + SHA-256")]
    public byte[] SignedAttributesDigest() => DigestUtilities.CalculateDigest("SHA-256", _signer.GetEncodedSignedAttributes());

    [Benchmark(Description = "(c) SignerInformation.Verify, key decoded (content digest, attributes, RSA)")]
    public bool SignerInformationVerify() => _signer.Verify(_key);

    [Benchmark(Description = "(c) chain build, not cached (2 certificate signatures)")]
    public int ChainBuild() => CertificateChain.Build(_certificate, _fingerprint, _bag, _trust.Current, useCache: false, out _)!.Certificates.Count;

    [Benchmark(Description = "(c) chain build, cached")]
    public int ChainBuildCached() => CertificateChain.Build(_certificate, _fingerprint, _bag, _trust.Current, useCache: true, out _)!.Certificates.Count;

    [Benchmark(Description = "(c) CRL check of the chain (dev CRLs)")]
    public int CrlCheck() => Revocation.Check(_chain, _signingTime, DateTimeOffset.UtcNow, _trust.Current).Revoked.Count;
}

/// <summary>
/// The CRL look-up against a CRL of realistic size: a CA that has issued for years lists thousands of revoked certificates,
/// and BouncyCastle finds an entry by walking the list. The dev intermediate CRL (one entry) is re-issued with as many
/// entries as <see cref="Entries"/>, signed by the dev intermediate CA's key.
/// <c>dotnet run -c Release --project bench/EPrescription.Benchmarks -- --filter '*VerificationCrlSize*' --inProcess</c>
/// </summary>
[MemoryDiagnoser]
[Config(typeof(CpuTimeConfig))]
public class VerificationCrlSizeBenchmarks
{
    private TrustStore _trust = null!;
    private CmsSignatureVerifier _verifier = null!;
    private byte[] _document = [];
    private byte[] _detached = [];
    private TrustedChain _chain = null!;

    [Params(1, 10_000)]
    public int Entries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _document = File.ReadAllBytes(RepositoryFiles.Path("tests", "samples", "rx_jahis10_01_basic.txt"));
        var doctor = SigningKey.FromPkcs12File(RepositoryFiles.Path("certs-dev", "signers", "doctor.p12"), DevPkiGenerator.Pkcs12Password);
        _detached = new CmsSigner(TimeProvider.System).Sign(_document, doctor, new SigningOptions { Detached = true });

        var intermediate = new DevIdentity("intermediate-ca",
            CertificateFiles.ReadCertificates(File.ReadAllBytes(RepositoryFiles.Path("certs-dev", "ca", "intermediate-ca.crt.pem")))[0],
            CertificateFiles.ReadPrivateKey(File.ReadAllText(RepositoryFiles.Path("certs-dev", "ca", "intermediate-ca.key.pem"))), []);
        var now = DateTimeOffset.UtcNow;
        // Serials far from the dev signers' (random 64-bit and larger), revoked for a reason that is not key compromise.
        var entries = Enumerable.Range(0, Entries).Select(i =>
            new DevPkiGenerator.CrlEntry(BigInteger.ValueOf(1_000_000 + i), now.AddDays(-1 - i % 300), CrlReason.Superseded));
        var crl = DevPkiGenerator.IssueCrl(intermediate, entries, now.AddHours(-1), now.AddDays(7));
        var root = CertificateFiles.ReadCertificates(File.ReadAllBytes(RepositoryFiles.Path("certs-dev", "trust", "root-ca.crt.pem")))[0];
        var rootCrl = CertificateFiles.ReadCrls(File.ReadAllBytes(RepositoryFiles.Path("certs-dev", "trust", "root-ca.crl.pem")))[0];
        _trust = TrustStore.FromCertificates([root], [rootCrl, crl]);
        _verifier = new CmsSignatureVerifier(_trust, TimeProvider.System);

        var cms = new CmsSignedData(new CmsProcessableByteArray(_document), _detached);
        var signer = cms.GetSignerInfos().GetSigners()[0];
        List<X509Certificate> bag = [.. cms.GetCertificates().EnumerateMatches(null)];
        var certificate = bag.First(c => signer.SignerID.Match(c));
        _chain = CertificateChain.Build(certificate, CertificateChain.Fingerprint(certificate), bag, _trust.Current, useCache: false, out _)!;
        if (!Full())
            throw new InvalidOperationException("The benchmark signature does not verify.");
        JitWarmUp.Run(() => Full());
    }

    [GlobalCleanup]
    public void Cleanup() => _trust.Dispose();

    [Benchmark(Description = "full verification, detached")]
    public bool Full() => _verifier.VerifyDetached(_document, _detached, ExpectedSignerRole.Prescriber).IsValid;

    [Benchmark(Description = "CRL check of the chain")]
    public int CrlCheck() => Revocation.Check(_chain, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, _trust.Current).Revoked.Count;
}

/// <summary>
/// Runs the verification a few hundred times, for a second at least, before measuring: the JIT compiles the hot methods again, optimised, on a background
/// thread, and the CPU/op column (<see cref="CpuTimeDiagnoser"/>) would otherwise count that compilation in the first
/// benchmark of the process.
/// </summary>
internal static class JitWarmUp
{
    public static void Run(Action verify)
    {
        var until = DateTime.UtcNow.AddSeconds(1);
        for (var calls = 0; calls < 200 || DateTime.UtcNow < until; calls++)
            verify();
        Thread.Sleep(1000);
    }
}

/// <summary>Files of the repository, found from the benchmark's output folder (BenchmarkDotNet may run it from deep under bin/).</summary>
internal static class RepositoryFiles
{
    private static readonly string Root = Locate();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "EPrescription.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("Cannot find the repository (EPrescription.sln) above " + AppContext.BaseDirectory);
    }
}
