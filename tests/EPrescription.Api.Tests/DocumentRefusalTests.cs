using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests;

/// <summary>A properly signed document that is not a valid prescription of the caller, dated as it may be, is refused.</summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class DocumentRefusalTests(DatabaseProvider provider) : ApiScenario(provider)
{
    [Test]
    public async Task Should_list_every_error_of_an_invalid_prescription()
    {
        var records = Rx.Records()
            .Where(r => r.Number != "12")
            .Select(r => r.Number switch
            {
                "1" => Rx.With(r, (3, "99")),
                "13" => Rx.With(r, (1, "19851345")),
                _ => r,
            })
            .ToList();

        using var response = await PostRegisterAsync(Signed.Detached(Rx.Write(records)));

        var problem = await ExpectProblemAsync(response, HttpStatusCode.UnprocessableEntity, "DOCUMENT_INVALID");
        var errors = problem.GetProperty("errors").EnumerateArray().ToList();
        var text = problem.GetRawText();
        Assert.Multiple(() =>
        {
            Assert.That(errors.Any(e => Record(e) == "1" && Field(e) == 3 && e.GetProperty("line").GetInt32() == 2), Is.True, "bad prefecture in record 1 field 3, line 2: " + text);
            Assert.That(errors.Any(e => Record(e) == "13" && Field(e) == 1), Is.True, "bad birth date in record 13: " + text);
            Assert.That(errors.Any(e => Record(e) == "12" || e.GetProperty("message").GetString()!.Contains("12", StringComparison.Ordinal)), Is.True, "missing record 12: " + text);
            Assert.That(errors.All(e => e.TryGetProperty("line", out _) && e.TryGetProperty("record", out _)
                && e.TryGetProperty("field", out _) && e.GetProperty("message").GetString() is { Length: > 0 }), Is.True, "every error has line, record, field, message: " + text);
        });
        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_refuse_a_notebook_document()
    {
        var notebook = File.ReadAllBytes(Path.Combine(Repository.Samples, "tc_jahistc08_01_pharmacy_to_patient.csv"));

        using var response = await PostRegisterAsync(Signed.Detached(notebook));

        await ExpectProblemAsync(response, HttpStatusCode.UnprocessableEntity, "DOCUMENT_INVALID");
        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_refuse_random_bytes_signed_as_a_document()
    {
        var random = RandomNumberGenerator.GetBytes(2000);

        using var detached = await PostRegisterAsync(Signed.Detached(random));
        await ExpectProblemAsync(detached, HttpStatusCode.UnprocessableEntity, "DOCUMENT_INVALID");
        using var inside = await PostRegisterAsync(Signed.Inside(random));
        await ExpectProblemAsync(inside, HttpStatusCode.UnprocessableEntity, "DOCUMENT_INVALID");

        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_refuse_a_prescription_of_another_institution()
    {
        var document = Rx.Document(institution: DentalClinic.InstitutionCode!);

        using var response = await PostRegisterAsync(Signed.Detached(document), Clinic);

        await ExpectProblemAsync(response, HttpStatusCode.Forbidden, "INSTITUTION_MISMATCH");
        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_refuse_a_prescription_past_its_last_valid_date()
    {
        var document = Rx.Document(issuedOn: Rx.TodayInJapan.AddDays(-5));

        using var response = await PostRegisterAsync(Signed.Detached(document));

        await ExpectProblemAsync(response, HttpStatusCode.Gone, "EXPIRED");
        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_register_a_prescription_on_its_last_valid_day()
    {
        var document = Rx.Document(issuedOn: Rx.TodayInJapan.AddDays(-3));

        var registered = await RegisterAsync(Signed.Detached(document));

        Assert.That(registered.GetProperty("expiresOn").GetString(), Is.EqualTo(Rx.TodayInJapan.ToString("yyyy-MM-dd")));
    }

    [Test]
    public async Task Should_refuse_a_prescription_issued_tomorrow_naming_record_51()
    {
        var records = Rx.Records(issuedOn: Rx.TodayInJapan.AddDays(1));
        var line = records.FindIndex(r => r.Number == "51") + 1;

        using var response = await PostRegisterAsync(Signed.Detached(Rx.Write(records)));

        var problem = await ExpectProblemAsync(response, HttpStatusCode.UnprocessableEntity, "DOCUMENT_INVALID");
        var error = problem.GetProperty("errors").EnumerateArray().Single();
        Assert.Multiple(() =>
        {
            Assert.That(Record(error), Is.EqualTo("51"));
            Assert.That(Field(error), Is.EqualTo(1));
            Assert.That(error.GetProperty("line").GetInt32(), Is.EqualTo(line));
        });
        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_refuse_a_shift_jis_document_sent_as_utf8()
    {
        using var response = await PostRegisterAsync(Signed.Detached(Rx.Document(), encoding: "utf-8"));

        await ExpectProblemAsync(response, HttpStatusCode.UnprocessableEntity, "DOCUMENT_INVALID");
        await Api.AssertNothingStoredAsync();
    }

    [Test]
    public async Task Should_refuse_a_utf8_document_sent_without_saying_so()
    {
        var utf8 = Rx.WriteUtf8(Rx.Records());

        using var response = await PostRegisterAsync(Signed.Detached(utf8));

        await ExpectProblemAsync(response, HttpStatusCode.UnprocessableEntity, "DOCUMENT_INVALID");
        await Api.AssertNothingStoredAsync();
    }

    private static string? Record(JsonElement error) => error.GetProperty("record").ValueKind == JsonValueKind.Null ? null : error.GetProperty("record").GetString();

    private static int? Field(JsonElement error) => error.GetProperty("field").ValueKind == JsonValueKind.Null ? null : error.GetProperty("field").GetInt32();
}
