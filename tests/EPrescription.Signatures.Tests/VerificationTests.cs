using EPrescription.Signatures.Hpki;
using EPrescription.Signatures.Signing;
using EPrescription.Signatures.Verification;
using static EPrescription.Signatures.Tests.TestPki;

namespace EPrescription.Signatures.Tests;

public sealed class When_a_signature_is_good
{
    [Test]
    public void Should_accept_a_detached_rsa_signature_from_a_doctor_on_a_prescription()
    {
        var result = Verifier().VerifyDetached(Prescription, Sign(Pki.Doctor), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.Empty);
        Assert.That(result.IsValid, Is.True);
        Assert.That(result.FailureCode, Is.Null);
        Assert.That(result.Checks.Select(c => c.Check), Is.EquivalentTo(Enum.GetValues<SignatureCheckCode>()), "every check is listed");
    }

    [Test]
    public void Should_accept_an_encapsulated_signature_and_return_the_signed_bytes()
    {
        var result = Verifier().VerifyEncapsulated(Sign(Pki.Doctor, detached: false), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.Empty);
        Assert.That(result.SignedContent, Is.EqualTo(Prescription));
    }

    [Test]
    public void Should_accept_an_ecdsa_p256_signature_from_a_dentist()
    {
        var result = Verifier().VerifyDetached(Prescription, Sign(Pki.Dentist), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.Empty);
        Assert.That(result.Signer!.Role, Is.EqualTo(HcRole.Dentist));
        Assert.That(result.Checks.Single(c => c.Check == SignatureCheckCode.SignatureAlgorithm).Message, Does.Contain("ECDSA P-256"));
    }

    [Test]
    public void Should_accept_an_rsa_pss_signature()
    {
        var result = Verifier().VerifyEncapsulated(Sign(Pki.Doctor, detached: false, padding: RsaPadding.Pss), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.Empty);
        Assert.That(result.Checks.Single(c => c.Check == SignatureCheckCode.SignatureAlgorithm).Message, Does.Contain("RSA-PSS"));
    }

    [Test]
    public void Should_accept_a_dispensing_result_signed_by_a_pharmacist()
    {
        var result = Verifier().VerifyDetached(Prescription, Sign(Pki.Pharmacist), ExpectedSignerRole.Pharmacist);

        Assert.That(result.FailedCodes(), Is.Empty);
    }

    [Test]
    public void Should_tell_who_signed_and_when()
    {
        var signedAt = Now.AddMinutes(-3);
        var signer = Verifier().VerifyDetached(Prescription, Sign(Pki.Doctor, at: signedAt), ExpectedSignerRole.Prescriber).Signer;

        Assert.That(signer, Is.Not.Null);
        Assert.That(signer!.Name, Is.EqualTo("見本 一郎"));
        Assert.That(signer.Organization, Is.EqualTo("医療法人見本会 みほんクリニック"));
        Assert.That(signer.Role, Is.EqualTo(HcRole.MedicalDoctor));
        Assert.That(signer.SerialNumber, Is.EqualTo(Pki.Doctor.Certificate.SerialNumber.ToString(16).ToUpperInvariant()));
        Assert.That(signer.Issuer, Does.Contain("EPrescription DEVELOPMENT ONLY Intermediate CA"));
        Assert.That(signer.SigningTime, Is.EqualTo(signedAt));
    }

    [Test]
    public void Should_accept_a_signature_made_while_the_certificate_was_valid_even_though_it_has_expired_since()
    {
        var signedAt = Pki.Expired.Certificate.NotAfter.AddDays(-10);
        var result = Verifier(now: Now).VerifyDetached(Prescription, Sign(Pki.Expired, at: signedAt), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.Empty);
    }

    [Test]
    public void Should_accept_a_signing_time_slightly_ahead_of_the_clock()
    {
        var result = Verifier().VerifyDetached(Prescription, Sign(Pki.Doctor, at: Now.AddMinutes(2)), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.Empty);
    }

    [Test]
    public void Should_give_the_same_verdicts_with_and_without_the_chain_cache()
    {
        var cached = Verifier(cacheChains: true);
        var uncached = Verifier(cacheChains: false);
        foreach (var signer in Pki.Signers)
        {
            var signature = Sign(signer);
            for (var i = 0; i < 2; i++)
                Assert.That(cached.VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber).FailedCodes(),
                    Is.EqualTo(uncached.VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber).FailedCodes()), signer.FileName);
        }
    }
}

public sealed class When_the_signature_itself_is_wrong
{
    [Test]
    public void Should_reject_a_document_changed_after_signing()
    {
        var tampered = Prescription.ToArray();
        tampered[^3] ^= 0x01;

        var result = Verifier().VerifyDetached(tampered, Sign(Pki.Doctor), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "SIGNATURE_VALUE" }));
        Assert.That(result.FailureCode, Is.EqualTo("SIGNATURE_INVALID"));
    }

    [Test]
    public void Should_reject_an_encapsulated_document_changed_after_signing()
    {
        var signed = Sign(Pki.Doctor, detached: false);
        var at = signed.AsSpan().IndexOf("JAHIS10"u8);
        Assert.That(at, Is.GreaterThan(0));
        signed[at + 5] = (byte)'9';

        var result = Verifier().VerifyEncapsulated(signed, ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "SIGNATURE_VALUE" }));
    }

    [Test]
    public void Should_reject_a_signature_with_a_flipped_bit_in_the_signature_value()
    {
        var signature = Sign(Pki.Doctor);
        signature[^10] ^= 0x40; // the signature value is the last field of a signature without unsigned attributes

        var result = Verifier().VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Does.Contain("SIGNATURE_VALUE"));
        Assert.That(result.FailureCode, Is.EqualTo("SIGNATURE_INVALID"));
    }

    [Test]
    public void Should_reject_a_sha1_signature()
    {
        var result = Verifier().VerifyDetached(Prescription, SignRaw([Pki.Doctor], "SHA1WITHRSA"), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "DIGEST_WEAK" }));
        Assert.That(result.FailureCode, Is.EqualTo("SIGNATURE_INVALID"));
    }

    [Test]
    public void Should_reject_a_signature_with_two_signers()
    {
        var result = Verifier().VerifyDetached(Prescription, SignRaw([Pki.Doctor, Pki.Pharmacist]), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "SIGNER_COUNT" }));
        Assert.That(result.FailureCode, Is.EqualTo("SIGNATURE_INVALID"));
    }

    [Test]
    public void Should_reject_a_signature_with_no_signer()
    {
        var result = Verifier().VerifyDetached(Prescription, SignRaw([], certificates: [Pki.Doctor.Certificate]), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "SIGNER_COUNT" }));
    }

    [Test]
    public void Should_reject_a_signature_whose_certificate_was_swapped_for_another_signers()
    {
        var signature = SignRaw([Pki.Doctor], certificates: [Pki.Dentist.Certificate, Pki.IntermediateCa.Certificate]);

        var result = Verifier().VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "SIGNER_CERTIFICATE" }));
        Assert.That(result.FailureCode, Is.EqualTo("SIGNATURE_INVALID"));
        Assert.That(result.Signer, Is.Null);
    }

    [Test]
    public void Should_reject_a_signature_whose_certificate_was_swapped_for_a_forgery_with_the_same_issuer_and_serial()
    {
        // As if the CA had mis-issued: a trusted certificate with the doctor's issuer, serial and role, but another key.
        var forgery = Forge.SameIssuerAndSerial(Pki.Doctor, Pki.IntermediateCa.PrivateKey, Pki.Pharmacist.Certificate.GetPublicKey());
        var signature = SignRaw([Pki.Doctor], certificates: [forgery, Pki.IntermediateCa.Certificate]);

        var result = Verifier().VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "SIGNATURE_VALUE" }));
    }

    [Test]
    public void Should_reject_our_own_signature_whose_certificate_was_swapped_by_the_signing_certificate_attribute()
    {
        var forgery = Forge.SameIssuerAndSerial(Pki.Doctor, Pki.IntermediateCa.PrivateKey, Pki.Doctor.Certificate.GetPublicKey());
        var original = new Org.BouncyCastle.Cms.CmsSignedData(Sign(Pki.Doctor));
        var swapped = Org.BouncyCastle.Cms.CmsSignedData.ReplaceCertificatesAndCrls(original,
            Org.BouncyCastle.Utilities.Collections.CollectionUtilities.CreateStore(new[] { forgery, Pki.IntermediateCa.Certificate }), null, null);

        var result = Verifier().VerifyDetached(Prescription, swapped.GetEncoded(), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "SIGNER_CERTIFICATE" }));
    }
}

public sealed class When_the_certificate_cannot_be_trusted
{
    [Test]
    public void Should_reject_a_certificate_under_an_untrusted_root()
    {
        var result = Verifier().VerifyDetached(Prescription, Sign(Pki.Untrusted), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CHAIN_UNTRUSTED" }));
        Assert.That(result.FailureCode, Is.EqualTo("CERTIFICATE_UNTRUSTED"));
        Assert.That(result.OutcomeOf(SignatureCheckCode.Revocation), Is.EqualTo(CheckOutcome.Skipped));
    }

    [Test]
    public void Should_reject_a_signature_that_lacks_the_intermediate_certificate()
    {
        var signature = SignRaw([Pki.Doctor], certificates: [Pki.Doctor.Certificate]);

        var result = Verifier(cacheChains: false).VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CHAIN_UNTRUSTED" }));
    }

    [Test]
    public void Should_reject_a_certificate_that_had_expired_at_the_signing_time()
    {
        var result = Verifier().VerifyDetached(Prescription, Sign(Pki.Expired), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CERTIFICATE_VALIDITY" }));
        Assert.That(result.FailureCode, Is.EqualTo("CERTIFICATE_EXPIRED"));
    }

    [Test]
    public void Should_reject_a_signing_time_before_the_certificate_was_issued()
    {
        var signedAt = new DateTimeOffset(Pki.Doctor.Certificate.NotBefore, TimeSpan.Zero).AddDays(-1);

        var result = Verifier().VerifyDetached(Prescription, Sign(Pki.Doctor, at: signedAt), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CERTIFICATE_VALIDITY" }));
    }

    [Test]
    public void Should_reject_a_signing_time_in_the_future()
    {
        var result = Verifier().VerifyDetached(Prescription, Sign(Pki.Doctor, at: Now.AddHours(1)), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "SIGNING_TIME" }));
        Assert.That(result.FailureCode, Is.EqualTo("CERTIFICATE_EXPIRED"));
    }

    [Test]
    public void Should_reject_a_signature_without_signing_time()
    {
        var result = Verifier().VerifyDetached(Prescription, SignRaw([Pki.Doctor], withSigningTime: false), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "SIGNING_TIME" }));
        Assert.That(result.FailureCode, Is.EqualTo("CERTIFICATE_EXPIRED"));
        Assert.That(result.OutcomeOf(SignatureCheckCode.CertificateValidity), Is.EqualTo(CheckOutcome.Skipped));
    }
}

public sealed class When_the_signer_is_not_qualified
{
    [Test]
    public void Should_reject_a_certificate_whose_key_usage_forbids_signing()
    {
        var result = Verifier().VerifyDetached(Prescription, Sign(Pki.NoSigningKeyUsage), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "KEY_USAGE" }));
        Assert.That(result.FailureCode, Is.EqualTo("SIGNER_NOT_QUALIFIED"));
    }

    [Test]
    public void Should_reject_a_certificate_without_hcrole()
    {
        var result = Verifier().VerifyDetached(Prescription, Sign(Pki.NoHcRole), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "HC_ROLE" }));
        Assert.That(result.FailureCode, Is.EqualTo("SIGNER_NOT_QUALIFIED"));
        Assert.That(result.Signer!.Role, Is.Null);
    }

    [Test]
    public void Should_reject_a_prescription_signed_by_a_pharmacist()
    {
        var result = Verifier().VerifyDetached(Prescription, Sign(Pki.Pharmacist), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "HC_ROLE" }));
        Assert.That(result.Failures.Single().Message, Does.Contain("Pharmacist"));
    }

    [TestCase("Doctor")]
    [TestCase("Dentist")]
    public void Should_reject_a_dispensing_result_signed_by_a_prescriber(string who)
    {
        var signer = who == "Doctor" ? Pki.Doctor : Pki.Dentist;

        var result = Verifier().VerifyDetached(Prescription, Sign(signer), ExpectedSignerRole.Pharmacist);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "HC_ROLE" }));
    }
}

public sealed class When_several_things_are_wrong
{
    [Test]
    public void Should_list_every_failed_check_and_report_the_most_fundamental()
    {
        // An expired doctor, signing a dispensing result with SHA-1: three independent failures.
        var signature = SignRaw([Pki.Expired], "SHA1WITHRSA");

        var result = Verifier().VerifyDetached(Prescription, signature, ExpectedSignerRole.Pharmacist);

        Assert.That(result.FailedCodes(), Is.EquivalentTo(new[] { "DIGEST_WEAK", "CERTIFICATE_VALIDITY", "HC_ROLE" }));
        Assert.That(result.FailureCode, Is.EqualTo("SIGNATURE_INVALID"));
        Assert.That(result.Signer!.Name, Is.EqualTo("見本 三郎"));
    }

    [Test]
    public void Should_prefer_untrusted_over_not_qualified()
    {
        var result = Verifier().VerifyDetached(Prescription, Sign(Pki.Untrusted), ExpectedSignerRole.Pharmacist);

        Assert.That(result.FailedCodes(), Is.EquivalentTo(new[] { "CHAIN_UNTRUSTED", "HC_ROLE" }));
        Assert.That(result.FailureCode, Is.EqualTo("CERTIFICATE_UNTRUSTED"));
    }

    [TestCase(SignatureCheckCode.CmsMalformed, "SIGNATURE_INVALID")]
    [TestCase(SignatureCheckCode.SignerCount, "SIGNATURE_INVALID")]
    [TestCase(SignatureCheckCode.SignatureValue, "SIGNATURE_INVALID")]
    [TestCase(SignatureCheckCode.DigestWeak, "SIGNATURE_INVALID")]
    [TestCase(SignatureCheckCode.ChainUntrusted, "CERTIFICATE_UNTRUSTED")]
    [TestCase(SignatureCheckCode.CertificateValidity, "CERTIFICATE_EXPIRED")]
    [TestCase(SignatureCheckCode.SigningTime, "CERTIFICATE_EXPIRED")]
    [TestCase(SignatureCheckCode.Revocation, "CERTIFICATE_REVOKED")]
    [TestCase(SignatureCheckCode.CrlCurrent, "CERTIFICATE_REVOKED")]
    [TestCase(SignatureCheckCode.KeyUsage, "SIGNER_NOT_QUALIFIED")]
    [TestCase(SignatureCheckCode.HcRole, "SIGNER_NOT_QUALIFIED")]
    public void Should_map_each_check_to_the_api_code(SignatureCheckCode check, string apiCode)
    {
        Assert.That(SignatureChecks.CodeOf(SignatureChecks.FailureOf(check)), Is.EqualTo(apiCode));
    }
}
