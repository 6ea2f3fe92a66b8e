using EPrescription.Signatures.Verification;
using static EPrescription.Signatures.Tests.TestPki;

namespace EPrescription.Signatures.Tests;

public sealed class When_the_signature_is_not_a_signature
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(10)]
    [TestCase(100)]
    [TestCase(500)]
    public void Should_reject_truncated_bytes_as_malformed_cms(int keep)
    {
        var signature = Sign(Pki.Doctor)[..keep];

        var result = Verifier().VerifyDetached(Prescription, signature, ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CMS_MALFORMED" }));
        Assert.That(result.FailureCode, Is.EqualTo("SIGNATURE_INVALID"));
        Assert.That(result.Failures.Single().Message, Is.Not.Empty);
    }

    [Test]
    public void Should_reject_a_signature_cut_short_near_its_end()
    {
        var signature = Sign(Pki.Doctor);

        var result = Verifier().VerifyDetached(Prescription, signature[..^20], ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CMS_MALFORMED" }));
    }

    [Test]
    public void Should_reject_random_bytes_with_a_clear_error_and_never_throw()
    {
        var random = new Random(17090);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(1, 4000)];
            random.NextBytes(bytes);
            if (i % 2 == 0)
                bytes[0] = 0x30; // make it look like a DER SEQUENCE so the parser goes further

            var result = Verifier().VerifyDetached(Prescription, bytes, ExpectedSignerRole.Prescriber);

            Assert.That(result.IsValid, Is.False);
            Assert.That(result.FailureCode, Is.EqualTo("SIGNATURE_INVALID"));
        }
    }

    [Test]
    public void Should_never_throw_nor_accept_other_content_when_a_byte_is_corrupted()
    {
        var signature = Sign(Pki.Dentist, detached: false);
        var verifier = Verifier();
        var invalid = 0;
        for (var i = 0; i < signature.Length; i += 7)
        {
            var corrupted = signature.ToArray();
            corrupted[i] ^= 0xFF;

            var result = verifier.VerifyEncapsulated(corrupted, ExpectedSignerRole.Prescriber);

            // A few bytes are outside what the signature covers (the digestAlgorithms hint, CA certificates
            // the verifier already knows), so a
            // corruption there may verify; what must never happen is accepting content other than what was signed.
            if (result.IsValid)
                Assert.That(result.SignedContent, Is.EqualTo(Prescription), $"byte {i}");
            else
                Assert.That(result.Failures, Is.Not.Empty, $"byte {i}");
            invalid += result.IsValid ? 0 : 1;
        }
        Assert.That(invalid, Is.GreaterThan(0));
    }

    [Test]
    public void Should_reject_a_certificate_given_where_a_signature_is_expected()
    {
        var result = Verifier().VerifyDetached(Prescription, Pki.Doctor.Certificate.GetEncoded(), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CMS_MALFORMED" }));
    }

    [Test]
    public void Should_reject_a_detached_signature_given_as_an_encapsulated_one()
    {
        var result = Verifier().VerifyEncapsulated(Sign(Pki.Doctor, detached: true), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "CMS_MALFORMED" }));
        Assert.That(result.Failures.Single().Message, Does.Contain("detached"));
    }

    [Test]
    public void Should_verify_a_detached_signature_against_the_document_given_not_the_one_inside()
    {
        var other = "JAHIS10\r\nsomething else\r\n"u8.ToArray();

        var result = Verifier().VerifyDetached(other, Sign(Pki.Doctor, detached: false), ExpectedSignerRole.Prescriber);

        Assert.That(result.FailedCodes(), Is.EqualTo(new[] { "SIGNATURE_VALUE" }));
    }
}
