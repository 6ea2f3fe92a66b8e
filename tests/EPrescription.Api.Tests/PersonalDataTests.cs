using System.Net;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests;

/// <summary>No personal data in logs: what the service logs while handling a prescription names no patient.</summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class PersonalDataTests(DatabaseProvider provider) : ApiScenario(provider)
{
    /// <summary>The basic sample's patient: name, kana, birth date, insurer number, card symbol and number.</summary>
    internal static readonly string[] PatientData = ["試験 花子", "試験", "花子", "ｼｹﾝ ﾊﾅｺ", "ｼｹﾝ", "19850415", "1985-04-15", "06139992", "１２３４", "５６７８"];

    [Test]
    public async Task Should_log_no_personal_data_while_registering_reading_and_cancelling()
    {
        var body = Signed.Detached(Rx.Document());
        var id = (await RegisterAsync(body)).GetProperty("prescriptionId").GetString()!;
        (await RegisterAsync(body)).GetProperty("prescriptionId");
        (await Api.GetAsync($"/v1/prescriptions/{id}", Clinic)).Dispose();
        (await Api.GetAsync($"/v1/prescriptions/{id}", DentalClinic)).Dispose();
        (await Api.PostAsync($"/v1/prescriptions/{id}/cancel", Clinic)).Dispose();
        // Refusals quote the document in their problem details; the log must not.
        (await PostRegisterAsync(Signed.Detached(Rx.Document(issuedOn: Rx.TodayInJapan.AddDays(1))))).Dispose();
        (await PostRegisterAsync(Signed.Detached(Rx.Document(institution: DentalClinic.InstitutionCode!)))).Dispose();
        (await PostRegisterAsync(Signed.Detached(Rx.Document(), "expired"))).Dispose();
        (await PostRegisterAsync(Signed.Detached(Rx.Write(Rx.Records().Where(r => r.Number != "12"))))).Dispose();

        var logged = Api.Logs.Text;
        Assert.That(logged, Is.Not.Empty, "the service logged something to look at");
        foreach (var value in PatientData)
            Assert.That(logged, Does.Not.Contain(value), $"the logs contain '{value}'");
    }
}
