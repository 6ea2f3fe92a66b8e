using System.Net;
using System.Net.Http.Json;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests;

/// <summary>A clinic system that retries a registration gets the first answer and creates nothing new.</summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class IdempotencyTests(DatabaseProvider provider) : ApiScenario(provider)
{
    [Test]
    public async Task Should_answer_a_retry_with_the_same_idempotency_key_as_the_first_time()
    {
        var body = Signed.Detached(Rx.Document());

        using var first = await PostRegisterAsync(body, idempotencyKey: "rx-2025-0001");
        var original = await ExpectAsync(first, HttpStatusCode.Created);
        using var retry = await PostRegisterAsync(body, idempotencyKey: "rx-2025-0001");
        var replayed = await ExpectAsync(retry, HttpStatusCode.Created);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(replayed.GetProperty("prescriptionId").GetString(), Is.EqualTo(original.GetProperty("prescriptionId").GetString()));
            Assert.That(replayed.GetProperty("exchangeCode").GetString(), Is.EqualTo(original.GetProperty("exchangeCode").GetString()));
            Assert.That(await Api.CountAsync("prescriptions"), Is.EqualTo(1));
            Assert.That(await Api.CountAsync("outbox"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Should_refuse_the_same_idempotency_key_with_another_body()
    {
        using var first = await PostRegisterAsync(Signed.Detached(Rx.Document()), idempotencyKey: "rx-2025-0002");
        await ExpectAsync(first, HttpStatusCode.Created);

        using var other = await PostRegisterAsync(Signed.Detached(Rx.Document("rx_jahis10_03_split_instruction.txt")), idempotencyKey: "rx-2025-0002");

        await ExpectProblemAsync(other, HttpStatusCode.Conflict, "IDEMPOTENCY_CONFLICT");
        Assert.That(await Api.CountAsync("prescriptions"), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_keep_idempotency_keys_apart_per_clinic()
    {
        using var clinic = await PostRegisterAsync(Signed.Detached(Rx.Document()), Clinic, "shared-key");
        await ExpectAsync(clinic, HttpStatusCode.Created);

        using var dental = await PostRegisterAsync(Signed.Detached(Rx.Document(institution: DentalClinic.InstitutionCode!), Signed.Dentist), DentalClinic, "shared-key");

        await ExpectAsync(dental, HttpStatusCode.Created);
        Assert.That(await Api.CountAsync("prescriptions"), Is.EqualTo(2));
    }

    [Test]
    public async Task Should_answer_the_same_signed_document_without_a_key_as_the_first_time()
    {
        var body = Signed.Detached(Rx.Document());
        var original = await RegisterAsync(body);

        var again = await RegisterAsync(body);
        using var withKey = await PostRegisterAsync(body, idempotencyKey: "a-new-key");
        var againWithKey = await ExpectAsync(withKey, HttpStatusCode.Created);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(again.GetProperty("prescriptionId").GetString(), Is.EqualTo(original.GetProperty("prescriptionId").GetString()));
            Assert.That(again.GetProperty("exchangeCode").GetString(), Is.EqualTo(original.GetProperty("exchangeCode").GetString()));
            Assert.That(againWithKey.GetProperty("prescriptionId").GetString(), Is.EqualTo(original.GetProperty("prescriptionId").GetString()));
            Assert.That(await Api.CountAsync("prescriptions"), Is.EqualTo(1));
            Assert.That(await Api.CountAsync("prescription_history"), Is.EqualTo(1));
            Assert.That(await Api.CountAsync("outbox"), Is.EqualTo(1));
        });
    }

    [TestCase(null)]
    [TestCase("concurrent-key")]
    public async Task Should_create_one_prescription_from_ten_identical_registrations_at_once(string? key)
    {
        var body = Signed.Detached(Rx.Document());

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => PostRegisterAsync(body, idempotencyKey: key)));

        var answers = new List<string>();
        foreach (var response in responses)
        {
            using (response) answers.Add((await ExpectAsync(response, HttpStatusCode.Created)).GetProperty("prescriptionId").GetString()!);
        }
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(answers.Distinct().Count(), Is.EqualTo(1), "every caller gets the same prescription");
            Assert.That(await Api.CountAsync("prescriptions"), Is.EqualTo(1));
            Assert.That(await Api.CountAsync("outbox"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Should_not_remember_a_refused_registration_under_its_key()
    {
        var expired = Signed.Detached(Rx.Document(issuedOn: Rx.TodayInJapan.AddDays(-5)));
        using var refused = await PostRegisterAsync(expired, idempotencyKey: "retry-after-fix");
        await ExpectProblemAsync(refused, HttpStatusCode.Gone, "EXPIRED");

        // The clinic fixes the prescription and sends it again under the same key: a new request, since nothing was registered.
        using var fixedUp = await Api.SendAsync(WithKey(Signed.Detached(Rx.Document()), "retry-after-fix"));

        await ExpectAsync(fixedUp, HttpStatusCode.Created);
    }

    private HttpRequestMessage WithKey(object body, string key)
    {
        var request = Api.Request(HttpMethod.Post, "/v1/prescriptions", Clinic, JsonContent.Create(body));
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }
}
