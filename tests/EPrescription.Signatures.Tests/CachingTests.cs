using EPrescription.Signatures.DevPki;
using EPrescription.Signatures.Trust;
using EPrescription.Signatures.Verification;
using Org.BouncyCastle.Asn1.X509;
using static EPrescription.Signatures.Tests.TestPki;

namespace EPrescription.Signatures.Tests;

/// <summary>
/// One verifier serves the whole process and remembers what depends only on a certificate, the trust anchors and the CRLs
/// loaded (parsed certificates, chains, the CRL entry of a certificate). Each scenario verifies once to fill those caches,
/// then changes what the earlier verdict must not survive: the signing time, the CRLs, the anchors, the clock, the bytes of
/// a certificate with the same name and serial.
/// </summary>
public sealed class When_the_verifier_has_seen_the_certificate_before
{
    private string _folder = null!;

    [SetUp]
    public void CopyTrustFolder()
    {
        _folder = Directory.CreateTempSubdirectory("eprx-trust-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(Folder, "trust")))
            File.Copy(file, Path.Combine(_folder, Path.GetFileName(file)));
    }

    [TearDown]
    public void RemoveTrustFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Should_refuse_a_certificate_expired_at_the_signing_time_after_accepting_it_for_an_earlier_signing_time()
    {
        var verifier = Verifier();
        var whileValid = Sign(Pki.Expired, at: Pki.Expired.Certificate.NotAfter.AddDays(-10));
        var afterExpiry = Sign(Pki.Expired, at: Now);

        Assert.Multiple(() =>
        {
            Assert.That(verifier.VerifyDetached(Prescription, whileValid, ExpectedSignerRole.Prescriber).FailedCodes(), Is.Empty);
            Assert.That(verifier.VerifyDetached(Prescription, afterExpiry, ExpectedSignerRole.Prescriber).FailedCodes(),
                Is.EqualTo(new[] { "CERTIFICATE_VALIDITY" }));
            Assert.That(verifier.VerifyDetached(Prescription, whileValid, ExpectedSignerRole.Prescriber).FailedCodes(), Is.Empty,
                "a refusal is not remembered either");
        });
    }

    [Test]
    public void Should_judge_each_signing_time_against_a_revocation_for_another_reason_than_compromise()
    {
        using var trust = Store();
        WriteIntermediateCrl("intermediate-ca.crl.pem", Now.AddMinutes(-30), Doctor(CrlReason.Superseded, revokedOn: Now.AddDays(-3)));
        trust.Reload();
        var verifier = Verifier(trust: trust);
        var before = Sign(Pki.Doctor, at: Now.AddDays(-5));
        var after = Sign(Pki.Doctor, at: Now.AddDays(-1));

        Assert.Multiple(() =>
        {
            Assert.That(verifier.VerifyDetached(Prescription, before, ExpectedSignerRole.Prescriber).FailedCodes(), Is.Empty);
            Assert.That(verifier.VerifyDetached(Prescription, after, ExpectedSignerRole.Prescriber).FailedCodes(),
                Is.EqualTo(new[] { "CERTIFICATE_REVOKED" }));
            Assert.That(verifier.VerifyDetached(Prescription, before, ExpectedSignerRole.Prescriber).FailedCodes(), Is.Empty);
        });
    }

    [Test]
    public void Should_apply_a_newer_crl_that_revokes_a_certificate_accepted_before()
    {
        using var trust = Store();
        var verifier = Verifier(trust: trust);
        var signature = Sign(Pki.Doctor);
        Assert.That(verifier.VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber).IsValid, Is.True);

        // Published beside the old CRL rather than over it: the newest CRL of the issuer (by thisUpdate) is the one that counts.
        WriteIntermediateCrl("intermediate-ca-next.crl.pem", Now.AddMinutes(-10), Doctor(CrlReason.KeyCompromise, revokedOn: Now.AddMinutes(-20)));
        trust.Reload();

        var result = verifier.VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber);
        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CERTIFICATE_REVOKED" }));
        Assert.That(result.Failures.Single().Message, Does.Contain("keyCompromise"));
    }

    [Test]
    public void Should_accept_a_certificate_again_once_a_newer_crl_no_longer_lists_it()
    {
        using var trust = Store();
        WriteIntermediateCrl("intermediate-ca.crl.pem", Now.AddHours(-2), Doctor(CrlReason.CertificateHold, revokedOn: Now.AddDays(-1)));
        trust.Reload();
        var verifier = Verifier(trust: trust);
        var signature = Sign(Pki.Doctor);
        Assert.That(verifier.VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber).FailedCodes(),
            Is.EqualTo(new[] { "CERTIFICATE_REVOKED" }));

        WriteIntermediateCrl("intermediate-ca.crl.pem", Now.AddMinutes(-10));
        trust.Reload();

        Assert.That(verifier.VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber).FailedCodes(), Is.Empty);
    }

    [Test]
    public void Should_report_a_crl_that_has_passed_its_next_update_since_it_was_first_consulted()
    {
        var clock = new MovableClock(Now);
        var shortLived = DevPkiGenerator.IssueCrl(Pki.IntermediateCa, [], Now.AddHours(-1), Now.AddHours(1));
        var verifier = new CmsSignatureVerifier(TrustStore.FromCertificates([Pki.RootCa.Certificate], [Pki.RootCrl, shortLived]), clock);
        var signature = Sign(Pki.Doctor);
        Assert.That(verifier.VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber).FailedCodes(), Is.Empty);

        clock.Now = Now.AddHours(2);

        var result = verifier.VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber);
        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CRL_NOT_CURRENT" }));
        Assert.That(result.Failures.Single().Message, Does.Contain("nextUpdate"));
    }

    [Test]
    public void Should_refuse_a_chain_built_before_its_trust_anchor_was_replaced()
    {
        using var trust = Store();
        var verifier = Verifier(trust: trust);
        var signature = Sign(Pki.Doctor);
        Assert.That(verifier.VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber).IsValid, Is.True);

        File.WriteAllText(Path.Combine(_folder, "root-ca.crt.pem"), CertificateFiles.ToPem(Pki.UntrustedRootCa.Certificate));
        trust.Reload();

        Assert.That(verifier.VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber).FailedCodes(),
            Is.EqualTo(new[] { "CHAIN_UNTRUSTED" }));
    }

    [Test]
    public void Should_not_take_a_forged_certificate_with_the_same_issuer_and_serial_for_the_genuine_one()
    {
        var verifier = Verifier();
        Assert.That(verifier.VerifyDetached(Prescription, Sign(Pki.Doctor), ExpectedSignerRole.Prescriber).IsValid, Is.True);
        // Mis-issued by the trusted CA: the doctor's name, serial and role, another key.
        var otherKey = Forge.SameIssuerAndSerial(Pki.Doctor, Pki.IntermediateCa.PrivateKey, Pki.Pharmacist.Certificate.GetPublicKey());
        // The doctor's own key, but not the certificate the signature names in its signing-certificate attribute.
        var sameKey = Forge.SameIssuerAndSerial(Pki.Doctor, Pki.IntermediateCa.PrivateKey, Pki.Doctor.Certificate.GetPublicKey());
        var original = new Org.BouncyCastle.Cms.CmsSignedData(Sign(Pki.Doctor));
        var swapped = Org.BouncyCastle.Cms.CmsSignedData.ReplaceCertificatesAndCrls(original,
            Org.BouncyCastle.Utilities.Collections.CollectionUtilities.CreateStore(new[] { sameKey, Pki.IntermediateCa.Certificate }), null, null);

        Assert.Multiple(() =>
        {
            Assert.That(verifier.VerifyDetached(Prescription, SignRaw([Pki.Doctor], certificates: [otherKey, Pki.IntermediateCa.Certificate]),
                ExpectedSignerRole.Prescriber).FailedCodes(), Is.EqualTo(new[] { "SIGNATURE_VALUE" }));
            Assert.That(verifier.VerifyDetached(Prescription, swapped.GetEncoded(), ExpectedSignerRole.Prescriber).FailedCodes(),
                Is.EqualTo(new[] { "SIGNER_CERTIFICATE" }));
        });
    }

    [Test]
    public void Should_tell_each_signer_of_a_certificate_with_its_own_signing_time()
    {
        var verifier = Verifier();
        var first = verifier.VerifyDetached(Prescription, Sign(Pki.Doctor, at: Now.AddHours(-2)), ExpectedSignerRole.Prescriber);
        var second = verifier.VerifyDetached(Prescription, Sign(Pki.Doctor, at: Now.AddHours(-1)), ExpectedSignerRole.Prescriber);

        Assert.That(first.Signer!.SigningTime, Is.EqualTo(Now.AddHours(-2)));
        Assert.That(second.Signer!.SigningTime, Is.EqualTo(Now.AddHours(-1)));
        Assert.That(second.Signer with { SigningTime = null }, Is.EqualTo(first.Signer with { SigningTime = null }));
    }

    private TrustStore Store() => new(new TrustStoreOptions { TrustAnchors = [_folder], Crls = [_folder] });

    private static DevPkiGenerator.CrlEntry Doctor(int reason, DateTimeOffset revokedOn) =>
        new(Pki.Doctor.Certificate.SerialNumber, revokedOn, reason);

    private void WriteIntermediateCrl(string fileName, DateTimeOffset thisUpdate, params DevPkiGenerator.CrlEntry[] entries) =>
        File.WriteAllText(Path.Combine(_folder, fileName),
            CertificateFiles.ToPem(DevPkiGenerator.IssueCrl(Pki.IntermediateCa, entries, thisUpdate, Now.AddDays(7))));

    private sealed class MovableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
