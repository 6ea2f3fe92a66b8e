using EPrescription.Formats.Notebook;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Formats.Validation;

namespace EPrescription.Server.Tests.MedicationChecks;

/// <summary>
/// The shared JAHIS samples as the tests' base documents, changed field by field. The prescription sample
/// (rx_jahis10_01_basic) is issued 2025-06-10 by 1311234567: RP 1 内服 14 days with 【般】ロキソプロフェンＮａ錠６０ｍｇ (一般名コード
/// 1149019F1ZZZ) and ムコスタ錠１００ｍｇ (厚生省 code 2329021F1021), RP 2 頓服 with カロナール錠２００ (no code). The dispensing
/// sample (tc_jahistc08_01) dispenses it on 2025-06-10 at pharmacy 1341234567: ロキソニン錠６０ｍｇ (レセ電 620098801, 一般名コード
/// 1149019F1ZZZ) and ムコスタ (no code) 14 日分 内服, カロナール 5 回分 屯服.
/// </summary>
internal static class MedicationDocuments
{
    public static JahisDocument Prescription() => JahisReader.Read(File.ReadAllBytes(SamplePath("rx_jahis10_01_basic.txt")));

    public static JahisDocument Dispensing() => JahisReader.Read(File.ReadAllBytes(SamplePath("tc_jahistc08_01_pharmacy_to_patient.csv")));

    /// <summary>Field <paramref name="position"/> of the <paramref name="nth"/> (0-based) record numbered <paramref name="record"/> set to a value.</summary>
    public static JahisDocument WithFieldOf(this JahisDocument document, string record, int nth, int position, string value)
    {
        var seen = -1;
        var records = document.Records.Select(r =>
        {
            if (r.Number != record || ++seen != nth) return r;
            var values = Enumerable.Range(0, Math.Max(r.Values.Count, position + 1))
                .Select(i => i == position ? JahisText.EscapeField(value) : r.Field(i)).ToArray();
            return new JahisRecord(r.Line, values);
        }).ToList();
        if (seen < nth) throw new ArgumentException($"The document has no record {record} number {nth + 1}.");
        return new JahisDocument(document.Format, document.Version, records, document.Encoding, document.ReadProblems);
    }

    /// <summary>The typed prescription, after checking the changed document is still valid (a test on an invalid one proves nothing).</summary>
    public static Prescription ToPrescription(this JahisDocument document) => PrescriptionReader.Read(Valid(document));

    public static NotebookDocument ToNotebook(this JahisDocument document) => NotebookReader.Read(Valid(document));

    private static JahisDocument Valid(JahisDocument document)
    {
        var report = JahisValidator.Validate(document);
        Assert.That(report.IsValid, Is.True, () => "the test document is invalid: " + string.Join("; ", report.Errors.Select(e => e.ToString())));
        return document;
    }

    private static string SamplePath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "samples", name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"tests/samples/{name} not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>A clock standing at one instant.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    /// <summary>Noon in Japan of a Japan date.</summary>
    public static FixedClock At(DateOnly japanDate) => new(new DateTimeOffset(japanDate.ToDateTime(new TimeOnly(12, 0)), TimeSpan.FromHours(9)));
}
