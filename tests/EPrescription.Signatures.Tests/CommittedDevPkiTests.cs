using EPrescription.Signatures.DevPki;
using EPrescription.Signatures.Signing;
using EPrescription.Signatures.Trust;
using EPrescription.Signatures.Verification;

namespace EPrescription.Signatures.Tests;

/// <summary>The files committed in certs-dev/ are what the embedded mode and the demo trust: they must keep working.</summary>
public sealed class When_the_committed_dev_pki_is_used
{
    private static string CertsDev
    {
        get
        {
            for (var folder = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); folder is not null; folder = folder.Parent)
                if (File.Exists(Path.Combine(folder.FullName, "EPrescription.sln")))
                    return Path.Combine(folder.FullName, "certs-dev");
            throw new DirectoryNotFoundException("The repository root (with EPrescription.sln) is not above the test folder.");
        }
    }

    [TestCase("doctor", ExpectedSignerRole.Prescriber, null)]
    [TestCase("dentist", ExpectedSignerRole.Prescriber, null)]
    [TestCase("pharmacist", ExpectedSignerRole.Pharmacist, null)]
    [TestCase("expired", ExpectedSignerRole.Prescriber, "CERTIFICATE_EXPIRED")]
    [TestCase("revoked", ExpectedSignerRole.Prescriber, "CERTIFICATE_REVOKED")]
    [TestCase("no-hcrole", ExpectedSignerRole.Prescriber, "SIGNER_NOT_QUALIFIED")]
    [TestCase("no-signing-usage", ExpectedSignerRole.Prescriber, "SIGNER_NOT_QUALIFIED")]
    [TestCase("untrusted", ExpectedSignerRole.Prescriber, "CERTIFICATE_UNTRUSTED")]
    public void Should_give_each_committed_signer_its_documented_verdict(string signer, ExpectedSignerRole role, string? failureCode)
    {
        var trustFolder = Path.Combine(CertsDev, "trust");
        using var trust = new TrustStore(new TrustStoreOptions { TrustAnchors = [trustFolder], Crls = [trustFolder] });
        var key = SigningKey.FromPkcs12File(Path.Combine(CertsDev, "signers", signer + ".p12"), DevPkiGenerator.Pkcs12Password);
        var signature = new CmsSigner().Sign(TestPki.Prescription, key);

        var result = new CmsSignatureVerifier(trust).VerifyEncapsulated(signature, role);

        Assert.That(result.FailureCode, Is.EqualTo(failureCode), string.Join("\n", result.Checks));
    }

    [Test]
    public void Should_refuse_a_wrong_pkcs12_password_with_a_clear_error()
    {
        Assert.That(() => SigningKey.FromPkcs12File(Path.Combine(CertsDev, "signers", "doctor.p12"), "wrong"),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("password"));
    }
}
