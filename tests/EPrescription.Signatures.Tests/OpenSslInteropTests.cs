using System.Diagnostics;
using EPrescription.Signatures.Signing;
using EPrescription.Signatures.Verification;
using static EPrescription.Signatures.Tests.TestPki;

namespace EPrescription.Signatures.Tests;

/// <summary>Signatures cross the boundary with the real <c>openssl</c> in both directions.</summary>
public sealed class When_signatures_cross_with_openssl
{
    private string _work = null!;

    [SetUp]
    public void CreateWorkFolder()
    {
        _work = Directory.CreateTempSubdirectory("eprx-openssl-").FullName;
        File.WriteAllBytes(Document, Prescription);
    }

    [TearDown]
    public void RemoveWorkFolder() => Directory.Delete(_work, recursive: true);

    private string Document => Path.Combine(_work, "prescription.txt");

    private static string Signer(string name, string kind) => Path.Combine(Folder, "signers", $"{name}.{kind}.pem");

    private static string RootCertificate => Path.Combine(Folder, "trust", "root-ca.crt.pem");

    [TestCase("doctor", false, false, TestName = "Should_verify_a_detached_rsa_signature_made_by_openssl")]
    [TestCase("doctor", true, false, TestName = "Should_verify_an_encapsulated_rsa_signature_made_by_openssl")]
    [TestCase("dentist", false, false, TestName = "Should_verify_a_detached_ecdsa_signature_made_by_openssl")]
    [TestCase("dentist", true, false, TestName = "Should_verify_an_encapsulated_ecdsa_signature_made_by_openssl")]
    [TestCase("doctor", false, true, TestName = "Should_verify_a_detached_rsa_pss_signature_made_by_openssl")]
    public void Should_verify_a_signature_made_by_openssl(string signer, bool encapsulated, bool pss)
    {
        var signature = Path.Combine(_work, "signature.der");
        var args = new List<string>
        {
            "cms", "-sign", "-binary", "-md", "sha256", "-in", Document, "-signer", Signer(signer, "crt"), "-inkey", Signer(signer, "key"),
            "-certfile", Signer(signer, "chain"), "-outform", "DER", "-out", signature,
        };
        if (encapsulated)
            args.Add("-nodetach");
        if (pss)
            args.AddRange(["-keyopt", "rsa_padding_mode:pss"]);
        OpenSsl(args);

        // openssl stamps the real clock, so verify at the real clock too.
        var verifier = Verifier(now: DateTimeOffset.UtcNow);
        var result = encapsulated
            ? verifier.VerifyEncapsulated(File.ReadAllBytes(signature), ExpectedSignerRole.Prescriber)
            : verifier.VerifyDetached(Prescription, File.ReadAllBytes(signature), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.Empty, string.Join("\n", result.Checks));
        Assert.That(result.SignedContent, Is.EqualTo(Prescription));
        if (pss)
            Assert.That(result.Checks.Single(c => c.Check == SignatureCheckCode.SignatureAlgorithm).Message, Does.Contain("RSA-PSS"));
    }

    [Test]
    public void Should_notice_a_document_changed_after_openssl_signed_it()
    {
        var signature = Path.Combine(_work, "signature.der");
        OpenSsl(["cms", "-sign", "-binary", "-in", Document, "-signer", Signer("doctor", "crt"), "-inkey", Signer("doctor", "key"),
            "-certfile", Signer("doctor", "chain"), "-outform", "DER", "-out", signature]);
        var changed = Prescription.ToArray();
        changed[0] = (byte)'X';

        var result = Verifier(now: DateTimeOffset.UtcNow).VerifyDetached(changed, File.ReadAllBytes(signature), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "SIGNATURE_VALUE" }));
    }

    [TestCase("doctor", false, RsaPadding.Pkcs1, TestName = "Should_make_a_detached_rsa_signature_that_openssl_verifies")]
    [TestCase("doctor", true, RsaPadding.Pkcs1, TestName = "Should_make_an_encapsulated_rsa_signature_that_openssl_verifies")]
    [TestCase("doctor", false, RsaPadding.Pss, TestName = "Should_make_a_detached_rsa_pss_signature_that_openssl_verifies")]
    [TestCase("dentist", false, RsaPadding.Pkcs1, TestName = "Should_make_a_detached_ecdsa_signature_that_openssl_verifies")]
    [TestCase("dentist", true, RsaPadding.Pkcs1, TestName = "Should_make_an_encapsulated_ecdsa_signature_that_openssl_verifies")]
    public void Should_make_a_signature_that_openssl_verifies(string signer, bool encapsulated, RsaPadding padding)
    {
        var key = SigningKey.FromPkcs12File(Path.Combine(Folder, "signers", $"{signer}.p12"), DevPki.DevPkiGenerator.Pkcs12Password);
        var signature = Path.Combine(_work, "signature.der");
        var output = Path.Combine(_work, "verified.txt");
        File.WriteAllBytes(signature, new CmsSigner().Sign(Prescription, key, new SigningOptions { Detached = !encapsulated, RsaPadding = padding }));

        var args = new List<string> { "cms", "-verify", "-binary", "-inform", "DER", "-in", signature, "-CAfile", RootCertificate, "-out", output };
        if (!encapsulated)
            args.AddRange(["-content", Document]);
        var (exitCode, _, error) = OpenSsl(args, check: false);

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(error, Does.Contain("Verification successful"));
        Assert.That(File.ReadAllBytes(output), Is.EqualTo(Prescription));
    }

    [Test]
    public void Should_make_a_signature_that_openssl_rejects_against_another_root()
    {
        var signature = Path.Combine(_work, "signature.der");
        File.WriteAllBytes(signature, Sign(Pki.Doctor, detached: false, at: DateTimeOffset.UtcNow));

        var (exitCode, _, _) = OpenSsl(["cms", "-verify", "-binary", "-inform", "DER", "-in", signature,
            "-CAfile", Path.Combine(Folder, "ca", "untrusted-root-ca.crt.pem"), "-out", Path.Combine(_work, "out")], check: false);

        Assert.That(exitCode, Is.Not.Zero);
    }

    [Test]
    public void Should_write_pkcs12_files_that_openssl_opens_with_the_documented_password()
    {
        var (exitCode, output, error) = OpenSsl(["pkcs12", "-in", Path.Combine(Folder, "signers", "pharmacist.p12"),
            "-passin", "pass:" + DevPki.DevPkiGenerator.Pkcs12Password, "-nokeys"], check: false);

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(output, Does.Contain("BEGIN CERTIFICATE"));
    }

    private static (int ExitCode, string Output, string Error) OpenSsl(IEnumerable<string> args, bool check = true)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (check && process.ExitCode != 0)
            Assert.Fail($"openssl {string.Join(' ', start.ArgumentList)} failed: {error}");
        return (process.ExitCode, output.Result, error);
    }
}
