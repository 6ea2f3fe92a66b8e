using EPrescription.Signatures.DevPki;
using EPrescription.Signatures.Trust;
using EPrescription.Signatures.Verification;
using Org.BouncyCastle.Asn1.X509;
using static EPrescription.Signatures.Tests.TestPki;

namespace EPrescription.Signatures.Tests;

public sealed class When_a_certificate_is_revoked
{
    [Test]
    public void Should_reject_a_signature_from_a_revoked_certificate()
    {
        var result = Verifier().VerifyDetached(Prescription, Sign(Pki.Revoked), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CERTIFICATE_REVOKED" }));
        Assert.That(result.FailureCode, Is.EqualTo("CERTIFICATE_REVOKED"));
        Assert.That(result.Failures.Single().Message, Does.Contain("keyCompromise"));
    }

    [Test]
    public void Should_reject_a_key_compromised_certificate_even_for_a_signature_dated_before_the_revocation()
    {
        var revokedOn = Pki.IntermediateCrl.GetRevokedCertificate(Pki.Revoked.Certificate.SerialNumber).RevocationDate;
        var signedAt = new DateTimeOffset(revokedOn, TimeSpan.Zero).AddDays(-5);

        var result = Verifier().VerifyDetached(Prescription, Sign(Pki.Revoked, at: signedAt), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CERTIFICATE_REVOKED" }));
    }

    [Test]
    public void Should_reject_a_ca_compromised_certificate_even_for_a_signature_dated_before_the_revocation()
    {
        var result = VerifyWithDoctorRevoked(CrlReason.CACompromise, revokedOn: Now.AddDays(-1), signedAt: Now.AddDays(-5));

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CERTIFICATE_REVOKED" }));
        Assert.That(result.Failures.Single().Message, Does.Contain("cACompromise"));
    }

    [Test]
    public void Should_accept_a_signature_made_before_a_revocation_for_another_reason()
    {
        var result = VerifyWithDoctorRevoked(CrlReason.Superseded, revokedOn: Now.AddDays(-1), signedAt: Now.AddDays(-5));

        Assert.That(result.FailedCodes(), Is.Empty);
        Assert.That(result.Checks.Single(c => c.Check == SignatureCheckCode.Revocation).Message, Does.Contain("after the signature"));
    }

    [Test]
    public void Should_reject_a_signature_made_after_a_revocation_for_another_reason()
    {
        var result = VerifyWithDoctorRevoked(CrlReason.CessationOfOperation, revokedOn: Now.AddDays(-5), signedAt: Now.AddDays(-1));

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CERTIFICATE_REVOKED" }));
    }

    [Test]
    public void Should_reject_a_signature_whose_intermediate_ca_is_revoked()
    {
        var rootCrl = DevPkiGenerator.IssueCrl(Pki.RootCa,
            [new DevPkiGenerator.CrlEntry(Pki.IntermediateCa.Certificate.SerialNumber, Now.AddDays(-1), CrlReason.CACompromise)],
            Now.AddHours(-1), Now.AddDays(7));
        var trust = TrustStore.FromCertificates([Pki.RootCa.Certificate], [rootCrl, Pki.IntermediateCrl]);

        var result = Verifier(trust: trust).VerifyDetached(Prescription, Sign(Pki.Doctor), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CERTIFICATE_REVOKED" }));
        Assert.That(result.Failures.Single().Message, Does.Contain("Intermediate CA"));
    }

    [Test]
    public void Should_report_a_crl_past_its_next_update()
    {
        var stale = DevPkiGenerator.IssueCrl(Pki.IntermediateCa, [], Now.AddDays(-10), Now.AddDays(-3));
        var trust = TrustStore.FromCertificates([Pki.RootCa.Certificate], [Pki.RootCrl, stale]);

        var result = Verifier(trust: trust).VerifyDetached(Prescription, Sign(Pki.Doctor), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CRL_NOT_CURRENT" }));
        Assert.That(result.FailureCode, Is.EqualTo("CERTIFICATE_REVOKED"));
        Assert.That(result.Failures.Single().Message, Does.Contain("nextUpdate"));
    }

    [Test]
    public void Should_ignore_a_crl_not_signed_by_the_issuing_ca()
    {
        // A CRL that names the intermediate as issuer but is signed by another key must not revoke anything.
        var forged = DevPkiGenerator.IssueCrl(Pki.IntermediateCa with { PrivateKey = Pki.Pharmacist.PrivateKey },
            [new DevPkiGenerator.CrlEntry(Pki.Doctor.Certificate.SerialNumber, Now.AddDays(-1), CrlReason.KeyCompromise)],
            Now.AddHours(-1), Now.AddDays(7));
        var trust = TrustStore.FromCertificates([Pki.RootCa.Certificate], [Pki.RootCrl, forged]);

        var result = Verifier(trust: trust).VerifyDetached(Prescription, Sign(Pki.Doctor), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CRL_NOT_CURRENT" }));
        Assert.That(result.Failures.Single().Message, Does.Contain("not signed by that CA"));
    }

    private static SignatureVerificationResult VerifyWithDoctorRevoked(int reason, DateTimeOffset revokedOn, DateTimeOffset signedAt)
    {
        var crl = DevPkiGenerator.IssueCrl(Pki.IntermediateCa,
            [new DevPkiGenerator.CrlEntry(Pki.Doctor.Certificate.SerialNumber, revokedOn, reason)], Now.AddHours(-1), Now.AddDays(7));
        var trust = TrustStore.FromCertificates([Pki.RootCa.Certificate], [Pki.RootCrl, crl]);
        return Verifier(trust: trust).VerifyDetached(Prescription, Sign(Pki.Doctor, at: signedAt), ExpectedSignerRole.Prescriber);
    }
}

public sealed class When_the_trust_configuration_changes
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

    private TrustStore Store(bool watch = false) => new(new TrustStoreOptions { TrustAnchors = [_folder], Crls = [_folder], WatchForChanges = watch });

    [Test]
    public void Should_take_a_new_crl_into_account_after_reload_even_with_the_chain_cached()
    {
        using var trust = Store();
        var verifier = Verifier(trust: trust, cacheChains: true);
        var signature = Sign(Pki.Doctor);
        Assert.That(verifier.VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber).IsValid, Is.True);

        WriteCrlRevokingDoctor();
        trust.Reload();

        Assert.That(verifier.VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber).FailedCodes(),
            Is.EqualTo(new[] { "CERTIFICATE_REVOKED" }));
    }

    [Test]
    public void Should_reload_by_itself_when_a_crl_file_changes()
    {
        using var trust = Store(watch: true);
        using var reloaded = new ManualResetEventSlim();
        trust.Reloaded += (_, _) => reloaded.Set();
        var verifier = Verifier(trust: trust);
        Assert.That(verifier.VerifyDetached(Prescription, Sign(Pki.Doctor), ExpectedSignerRole.Prescriber).IsValid, Is.True);

        WriteCrlRevokingDoctor();

        Assert.That(reloaded.Wait(TimeSpan.FromSeconds(10)), Is.True, "the watcher reloads the store");
        Assert.That(verifier.VerifyDetached(Prescription, Sign(Pki.Doctor), ExpectedSignerRole.Prescriber).FailedCodes(),
            Is.EqualTo(new[] { "CERTIFICATE_REVOKED" }));
    }

    [Test]
    public void Should_trust_a_new_anchor_after_reload()
    {
        using var trust = Store();
        var verifier = Verifier(trust: trust);
        var signature = Sign(Pki.Untrusted);
        Assert.That(verifier.VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber).FailedCodes(), Is.EqualTo(new[] { "CHAIN_UNTRUSTED" }));

        File.WriteAllText(Path.Combine(_folder, "second-root.crt.pem"), CertificateFiles.ToPem(Pki.UntrustedRootCa.Certificate));
        trust.Reload();

        Assert.That(verifier.VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber).FailedCodes(), Is.Empty);
    }

    [Test]
    public void Should_keep_the_previous_configuration_when_a_reload_meets_an_unreadable_file()
    {
        using var trust = Store();
        File.WriteAllText(Path.Combine(_folder, "broken.crl"), "-----BEGIN X509 CRL-----\nnot base64 at all\n-----END X509 CRL-----\n");

        Assert.That(trust.Reload, Throws.TypeOf<TrustStoreException>().With.Message.Contains("broken.crl"));
        Assert.That(trust.TrustAnchors, Has.Count.EqualTo(1));
        Assert.That(Verifier(trust: trust).VerifyDetached(Prescription, Sign(Pki.Doctor), ExpectedSignerRole.Prescriber).IsValid, Is.True);
    }

    private void WriteCrlRevokingDoctor()
    {
        var crl = DevPkiGenerator.IssueCrl(Pki.IntermediateCa,
            [new DevPkiGenerator.CrlEntry(Pki.Doctor.Certificate.SerialNumber, Now.AddDays(-1), CrlReason.KeyCompromise)],
            Now.AddMinutes(-30), Now.AddDays(7));
        File.WriteAllText(Path.Combine(_folder, "intermediate-ca.crl.pem"), CertificateFiles.ToPem(crl));
    }
}
