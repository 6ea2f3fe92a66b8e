using System.Net;
using System.Security.Cryptography;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests;

/// <summary>A prescription whose signature cannot be trusted is refused with the reason's own code, and nothing is stored.</summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class SignatureRefusalTests(DatabaseProvider provider) : ApiScenario(provider)
{
    [TestCase("expired", "CERTIFICATE_EXPIRED")]
    [TestCase("revoked", "CERTIFICATE_REVOKED")]
    [TestCase("untrusted", "CERTIFICATE_UNTRUSTED")]
    [TestCase("no-hcrole", "SIGNER_NOT_QUALIFIED")]
    [TestCase("no-signing-usage", "SIGNER_NOT_QUALIFIED")]
    [TestCase("pharmacist", "SIGNER_NOT_QUALIFIED")]
    public async Task Should_refuse_a_prescription_signed_by_a_signer_who_may_not_sign_it(string signer, string code)
    {
        var document = Rx.Document();

        using var detached = await PostRegisterAsync(Signed.Detached(document, signer));
        await ExpectProblemAsync(detached, HttpStatusCode.UnprocessableEntity, code);
        using var inside = await PostRegisterAsync(Signed.Inside(document, signer));
        await ExpectProblemAsync(inside, HttpStatusCode.UnprocessableEntity, code);

        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_refuse_a_document_changed_after_it_was_signed()
    {
        var document = Rx.Document();
        var signature = Signed.DetachedSignature(document);
        var tampered = document.ToArray();
        tampered[^5] ^= 0x01;

        using var response = await PostRegisterAsync(Signed.Body(tampered, signature));

        var problem = await ExpectProblemAsync(response, HttpStatusCode.UnprocessableEntity, "SIGNATURE_INVALID");
        Assert.That(problem.TryGetProperty("checks", out _), Is.True, "the problem lists the checks made");
        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_refuse_a_signature_made_over_another_document()
    {
        var document = Rx.Document();
        var other = Rx.Document("rx_jahis10_03_split_instruction.txt");

        using var response = await PostRegisterAsync(Signed.Body(document, Signed.DetachedSignature(other)));

        await ExpectProblemAsync(response, HttpStatusCode.UnprocessableEntity, "SIGNATURE_INVALID");
        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_refuse_a_truncated_signature()
    {
        var document = Rx.Document();
        var signature = Signed.DetachedSignature(document);
        var signedDocument = Signed.Encapsulated(document);

        using var detached = await PostRegisterAsync(Signed.Body(document, signature[..(signature.Length / 2)]));
        await ExpectProblemAsync(detached, HttpStatusCode.UnprocessableEntity, "SIGNATURE_INVALID");
        using var inside = await PostRegisterAsync(new Dictionary<string, string> { ["signedDocument"] = Convert.ToBase64String(signedDocument[..^40]) });
        await ExpectProblemAsync(inside, HttpStatusCode.UnprocessableEntity, "SIGNATURE_INVALID");

        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_refuse_random_bytes_as_the_signature()
    {
        var random = RandomNumberGenerator.GetBytes(700);

        using var detached = await PostRegisterAsync(Signed.Body(Rx.Document(), random));
        await ExpectProblemAsync(detached, HttpStatusCode.UnprocessableEntity, "SIGNATURE_INVALID");
        using var inside = await PostRegisterAsync(new Dictionary<string, string> { ["signedDocument"] = Convert.ToBase64String(random) });
        await ExpectProblemAsync(inside, HttpStatusCode.UnprocessableEntity, "SIGNATURE_INVALID");

        await Api.AssertNothingStoredAsync();
    }
}
