using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using EPrescription.Signatures.DevPki;
using EPrescription.Signatures.Signing;
using EPrescription.Signatures.Trust;
using EPrescription.Signatures.Verification;

namespace EPrescription.Benchmarks;

/// <summary>
/// Full verification of one detached prescription signature (every check, CRLs included) on one core, per signature kind,
/// with and without the per-certificate chain cache. Reported as verifications/s beside BenchmarkDotNet's times.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
[Config(typeof(VerificationsPerSecondConfig))]
public class SignatureVerificationBenchmarks
{
    public enum SignatureKind { RsaPkcs1, RsaPss, EcdsaP256 }

    private CmsSignatureVerifier _verifier = null!;
    private byte[] _document = [];
    private byte[] _signature = [];

    [Params(SignatureKind.RsaPkcs1, SignatureKind.RsaPss, SignatureKind.EcdsaP256)]
    public SignatureKind Kind { get; set; }

    [Params(true, false)]
    public bool ChainCache { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var pki = DevPkiGenerator.Generate(DateTimeOffset.UtcNow);
        var signer = Kind == SignatureKind.EcdsaP256 ? pki.Dentist : pki.Doctor;
        _document = new byte[2048];
        Random.Shared.NextBytes(_document);
        _signature = new CmsSigner().Sign(_document, signer.ToSigningKey(), new SigningOptions
        {
            Detached = true,
            RsaPadding = Kind == SignatureKind.RsaPss ? RsaPadding.Pss : RsaPadding.Pkcs1,
        });
        var trust = TrustStore.FromCertificates([pki.RootCa.Certificate], [pki.RootCrl, pki.IntermediateCrl]);
        _verifier = new CmsSignatureVerifier(trust, options: new SignatureVerifierOptions { CacheChains = ChainCache });
        if (!Verify())
            throw new InvalidOperationException("The benchmark signature does not verify.");
    }

    [Benchmark]
    public bool Verify() => _verifier.VerifyDetached(_document, _signature, ExpectedSignerRole.Prescriber).IsValid;

    private sealed class VerificationsPerSecondConfig : ManualConfig
    {
        public VerificationsPerSecondConfig() => AddColumn(new VerificationsPerSecondColumn());
    }

    private sealed class VerificationsPerSecondColumn : IColumn
    {
        public string Id => "VerificationsPerSecond";
        public string ColumnName => "Verif/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Verifications per second on one core, from the mean time per verification";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return meanNs is null or 0 ? "-" : (1e9 / meanNs.Value).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
