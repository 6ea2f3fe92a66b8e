using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests;

/// <summary>A clinic registers a prescription its doctor signed today, in each form the API takes.</summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed partial class RegisterTests(DatabaseProvider provider) : ApiScenario(provider)
{
    public static IEnumerable<string> Samples => Repository.PrescriptionSamples;

    [TestCaseSource(nameof(Samples))]
    public async Task Should_register_every_sample_with_a_detached_signature(string sample)
    {
        var document = Rx.Document(sample);

        using var response = await PostRegisterAsync(Signed.Detached(document));

        await AssertRegisteredAsync(response, sample);
    }

    [TestCaseSource(nameof(Samples))]
    public async Task Should_register_every_sample_signed_with_the_document_inside(string sample)
    {
        using var response = await PostRegisterAsync(Signed.Inside(Rx.Document(sample)));

        await AssertRegisteredAsync(response, sample);
    }

    [TestCaseSource(nameof(Samples))]
    public async Task Should_register_the_utf8_copy_of_every_sample_when_it_says_utf8(string sample)
    {
        var utf8Sample = sample.Replace(".txt", ".utf8.txt", StringComparison.Ordinal);
        var document = Rx.WriteUtf8(Rx.Records(utf8Sample));

        using var response = await PostRegisterAsync(Signed.Detached(document, encoding: "utf-8"));

        await AssertRegisteredAsync(response, sample);
    }

    [Test]
    public async Task Should_register_a_dental_prescription_signed_by_the_dentist()
    {
        // The dental clinic's own prescription: record 1 says 点数表 3, code 1234568, as its institution code 1331234568 does.
        var document = Rx.Document(institution: DentalClinic.InstitutionCode!);

        using var response = await PostRegisterAsync(Signed.Detached(document, Signed.Dentist), DentalClinic);

        await AssertRegisteredAsync(response, Rx.Basic);
    }

    [Test]
    public async Task Should_store_the_prescription_its_history_and_the_registered_event_in_one_go()
    {
        var registered = await RegisterAsync();
        var id = registered.GetProperty("prescriptionId").GetString()!.Replace("-", "", StringComparison.Ordinal);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Api.CountAsync("prescriptions", "id = @id", new { id }), Is.EqualTo(1));
            Assert.That(await Api.CountAsync("prescription_history", "prescription_id = @id AND action = 'register'", new { id }), Is.EqualTo(1));
            Assert.That(await Api.CountAsync("outbox", "message_type LIKE '%PrescriptionRegistered'"), Is.EqualTo(1));
        });
    }

    private static async Task AssertRegisteredAsync(HttpResponseMessage response, string sample)
    {
        var body = await ExpectAsync(response, HttpStatusCode.Created);
        var records = Rx.Records(sample);
        var issuedOn = Rx.TodayInJapan;
        var expiresOn = records.FirstOrDefault(r => r.Number == "52") is { } expiry ? Rx.ParseDate(expiry.Field(1)) : issuedOn.AddDays(3);
        var id = body.GetProperty("prescriptionId").GetString()!;

        Assert.Multiple(() =>
        {
            Assert.That(id, Does.Match(PrescriptionIdPattern()));
            Assert.That(body.GetProperty("exchangeCode").GetString(), Does.Match("^[0-9]{6}$"));
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("registered"));
            Assert.That(body.GetProperty("issuedOn").GetString(), Is.EqualTo(issuedOn.ToString("yyyy-MM-dd")));
            Assert.That(body.GetProperty("expiresOn").GetString(), Is.EqualTo(expiresOn.ToString("yyyy-MM-dd")));
            Assert.That(body.GetProperty("slipUrl").GetString(), Is.EqualTo($"/v1/prescriptions/{id}/slip"));
            Assert.That(body.GetProperty("warnings").ValueKind, Is.EqualTo(JsonValueKind.Array));
            Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo($"/v1/prescriptions/{id}"));
        });
    }

    [GeneratedRegex("^[2-9A-HJKMNPQRTUVWXY]{6}-[2-9A-HJKMNPQRTUVWXY]{6}-[2-9A-HJKMNPQRTUVWXY]{6}$")]
    private static partial Regex PrescriptionIdPattern();
}
