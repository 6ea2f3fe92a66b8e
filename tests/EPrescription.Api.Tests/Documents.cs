using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Formats.Writing;
using EPrescription.Signatures.Signing;

namespace EPrescription.Api.Tests;

/// <summary>Where the repository is, and the shared samples in it.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The shared specification's samples when they sit beside the repository, else the copy in tests/samples.</summary>
    public static string Samples { get; } = LocateSamples();

    /// <summary>Wire-encoded (CP932) prescription samples.</summary>
    public static IEnumerable<string> PrescriptionSamples =>
        Directory.EnumerateFiles(Samples, "rx_*.txt").Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.Contains(".utf8", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    private static string LocateSamples()
    {
        var shared = Path.Combine(Root, "..", "shared", "formats", "samples");
        return Directory.Exists(shared) ? Path.GetFullPath(shared) : Path.Combine(Root, "tests", "samples");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EPrescription.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (EPrescription.sln) above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// Prescriptions as a clinic system writes them today: a shared sample with its issue date (record 51) moved to today in Japan,
/// its 使用期限 (record 52) moved with it, and, where asked, another institution in record 1 or other edits.
/// </summary>
public static class Rx
{
    public const string Basic = "rx_jahis10_01_basic.txt";

    /// <summary>The samples' institution, the development clinic's.</summary>
    public const string ClinicInstitution = "1311234567";

    /// <summary>Today in Japan, as the service counts business dates.</summary>
    public static DateOnly TodayInJapan => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(9));

    /// <summary>
    /// The sample's records issued on <paramref name="issuedOn"/> (default today in Japan) by <paramref name="institution"/>
    /// (10 digits: prefecture, 点数表, code; default the development clinic's).
    /// </summary>
    public static List<JahisRecord> Records(string sample = Basic, DateOnly? issuedOn = null, string institution = ClinicInstitution)
    {
        var path = Path.Combine(Repository.Samples, sample);
        var document = JahisReader.Read(File.ReadAllBytes(path), sample.Contains(".utf8", StringComparison.Ordinal) ? TextEncodingKind.Utf8 : TextEncodingKind.ShiftJis);
        var records = document.Records.ToList();
        var originalIssue = ParseDate(records.Single(r => r.Number == "51").Field(1));
        var shift = (issuedOn ?? TodayInJapan).DayNumber - originalIssue.DayNumber;

        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            records[i] = record.Number switch
            {
                "1" => With(record, (1, institution[2..3]), (2, institution[3..]), (3, institution[..2])),
                "51" or "52" => With(record, (1, Format(ParseDate(record.Field(1)).AddDays(shift)))),
                _ => record,
            };
        }
        return records;
    }

    /// <summary>The wire bytes (CP932, CR LF) of the sample, dated and issued as <see cref="Records"/> says.</summary>
    public static byte[] Document(string sample = Basic, DateOnly? issuedOn = null, string institution = ClinicInstitution) =>
        JahisWriter.Write(Records(sample, issuedOn, institution));

    public static byte[] Write(IEnumerable<JahisRecord> records) => JahisWriter.Write(records);

    public static byte[] WriteUtf8(IEnumerable<JahisRecord> records) => Encoding.UTF8.GetBytes(JahisWriter.WriteText(records));

    /// <summary>The record with some fields (1-based, as JAHIS counts them) replaced.</summary>
    public static JahisRecord With(JahisRecord record, params (int Field, string Value)[] changes)
    {
        var values = record.Values.ToList();
        foreach (var (field, value) in changes)
        {
            while (values.Count <= field) values.Add("");
            values[field] = value;
        }
        return new JahisRecord(record.Line, values);
    }

    public static DateOnly ParseDate(string value) => DateOnly.ParseExact(value, "yyyyMMdd", CultureInfo.InvariantCulture);

    public static string Format(DateOnly date) => date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
}

/// <summary>Signing as the development PKI's signers do (certs-dev/signers/NAME.p12), and the request bodies carrying it.</summary>
public static class Signed
{
    public const string Doctor = "doctor";
    public const string Dentist = "dentist";

    private static readonly ConcurrentDictionary<string, SigningKey> Keys = new();
    private static readonly CmsSigner Signer = new();

    public static SigningKey Key(string signer) =>
        Keys.GetOrAdd(signer, name => SigningKey.FromPkcs12File(Path.Combine(Repository.Root, "certs-dev", "signers", name + ".p12"), "dev-only"));

    public static byte[] DetachedSignature(byte[] document, string signer = Doctor) =>
        Signer.Sign(document, Key(signer), new SigningOptions { Detached = true });

    public static byte[] Encapsulated(byte[] document, string signer = Doctor) =>
        Signer.Sign(document, Key(signer), new SigningOptions { Detached = false });

    /// <summary>{"document", "signature"[, "encoding"]}: the document beside its detached signature.</summary>
    public static Dictionary<string, string> Detached(byte[] document, string signer = Doctor, string? encoding = null) =>
        Body(document, DetachedSignature(document, signer), encoding);

    public static Dictionary<string, string> Body(byte[] document, byte[] signature, string? encoding = null)
    {
        var body = new Dictionary<string, string>
        {
            ["document"] = Convert.ToBase64String(document),
            ["signature"] = Convert.ToBase64String(signature),
        };
        if (encoding is not null) body["encoding"] = encoding;
        return body;
    }

    /// <summary>{"signedDocument"}: CMS with the document inside.</summary>
    public static Dictionary<string, string> Inside(byte[] document, string signer = Doctor) =>
        new() { ["signedDocument"] = Convert.ToBase64String(Encapsulated(document, signer)) };
}
