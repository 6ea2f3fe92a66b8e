using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EPrescription.Server.Clients;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.MedicationChecks;

/// <summary>
/// Base of the duplicate-medication scenarios (重複投薬チェック): the basic sample prescribed to one patient at several visits,
/// by the development clinic or the dental clinic, and the check's answers as a client reads them. The basic sample holds
/// three drugs: RP 1 (内服) ロキソプロフェン (一般名コード 1149019…) and ムコスタ (2329021…), RP 2 (頓服) カロナール without a code.
/// </summary>
public abstract class MedicationScenario(DatabaseProvider provider) : ApiScenario(provider)
{
    /// <summary>The card number (record 23 field 2) of the samples' patient; another number is another patient.</summary>
    protected const string SamplePatient = "５６７８";

    protected const string OtherPatient = "５６７９";

    /// <summary>What the check answers for the basic sample against another basic sample: (rp, drug, ingredient, route).</summary>
    protected static readonly (int, int, string, string)[] BasicSampleDrugs =
    [
        (1, 1, "1149019", "internal"),
        (1, 2, "2329021", "internal"),
        (2, 1, "カロナール錠200", "as-needed"),
    ];

    /// <summary>
    /// The basic sample issued today for a visit (the clinic's patient number, record 11), so that each visit registers as a
    /// prescription of its own rather than as a retry, for the patient with <paramref name="card"/> (record 23 field 2).
    /// </summary>
    protected static byte[] Visit(int visit, string institution = Rx.ClinicInstitution, string card = SamplePatient) =>
        Rx.Write(Rx.Records(Rx.Basic, institution: institution).Select(r => r.Number switch
        {
            "11" => Rx.With(r, (1, visit.ToString("D6", CultureInfo.InvariantCulture))),
            "23" => Rx.With(r, (2, card)),
            _ => r,
        }));

    /// <summary>Registers <paramref name="document"/> (signed by the doctor, or the dentist for the dental clinic); expects 201.</summary>
    protected async Task<JsonElement> RegisterVisitAsync(byte[] document, DevClient? clinic = null, string? consent = null)
    {
        var signer = clinic == DentalClinic ? Signed.Dentist : Signed.Doctor;
        var body = Signed.Detached(document, signer);
        if (consent is not null) body["consent"] = consent;
        return await RegisterAsync(body, clinic);
    }

    /// <summary>POST /v1/medication-checks with <paramref name="body"/> as <paramref name="client"/>.</summary>
    protected Task<HttpResponseMessage> CheckAsync(object body, DevClient client) =>
        Api.PostAsync("/v1/medication-checks", client, JsonContent.Create(body));

    /// <summary>Checks and expects 200; returns the duplicateMedication list.</summary>
    protected async Task<List<JsonElement>> DuplicatesOfCheckAsync(object body, DevClient client)
    {
        using var response = await CheckAsync(body, client);
        var answer = await ExpectAsync(response, HttpStatusCode.OK);
        Assert.That(answer.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "duplicateMedication" }), "the answer holds the list only");
        return Duplicates(answer);
    }

    protected static List<JsonElement> Duplicates(JsonElement answer) => [.. answer.GetProperty("duplicateMedication").EnumerateArray()];

    protected static (int, int, string, string) Drug(JsonElement entry) => (
        entry.GetProperty("rp").GetInt32(), entry.GetProperty("drug").GetInt32(), entry.GetProperty("ingredient").GetString()!,
        entry.GetProperty("route").GetString()!);

    /// <summary>The members an entry has, in the order the service writes them.</summary>
    protected static List<string> Members(JsonElement entry) => [.. entry.EnumerateObject().Select(p => p.Name)];

    /// <summary>Receives the prescription as <paramref name="pharmacy"/>; expects 200.</summary>
    protected async Task ReceiveAsync(JsonElement registered, DevClient? pharmacy = null)
    {
        using var response = await Api.PostAsync($"/v1/prescriptions/{registered.GetProperty("prescriptionId").GetString()}/receive", pharmacy ?? Pharmacy,
            JsonContent.Create(new { exchangeCode = registered.GetProperty("exchangeCode").GetString() }));
        await ExpectAsync(response, HttpStatusCode.OK);
    }

    /// <summary>The status document (status, holder, history) as the issuing clinic sees it, as text to compare before and after.</summary>
    protected async Task<string> StatusTextAsync(JsonElement registered)
    {
        using var response = await Api.GetAsync($"/v1/prescriptions/{registered.GetProperty("prescriptionId").GetString()}", Clinic);
        return (await ExpectAsync(response, HttpStatusCode.OK)).GetRawText();
    }

    /// <summary>The audit entries of a prescription as the operator reads them.</summary>
    protected async Task<List<JsonElement>> AuditAsync(string prescriptionId)
    {
        using var response = await Api.GetAsync($"/v1/audit?prescriptionId={prescriptionId}", Admin);
        return [.. (await ExpectAsync(response, HttpStatusCode.OK)).GetProperty("entries").EnumerateArray()];
    }

    protected static string Today => Rx.TodayInJapan.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
