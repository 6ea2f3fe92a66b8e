using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Writing;
using EPrescription.Signatures.Signing;

namespace EPrescription.LoadGenerator.Documents;

/// <summary>One signed prescription, ready to register: the exact bytes, the detached CMS, and the registration body.</summary>
internal sealed record SignedPrescription(string DocumentBase64, string SignatureBase64)
{
    /// <summary>POST /v1/prescriptions body, built once so the generator spends no CPU on it during the run.</summary>
    public byte[] RegisterBody { get; } = Encoding.UTF8.GetBytes($"{{\"document\":\"{DocumentBase64}\",\"signature\":\"{SignatureBase64}\"}}");
}

/// <summary>
/// The documents of a lifecycle, signed with the development PKI before the timed run: a pool of distinct prescriptions (the
/// server answers a second registration of the same signed bytes with the first answer) and one dispensing that fits them all.
/// Every prescription is the shared sample issued today (Japan time), for one of <see cref="Patients"/> patients who differ
/// in their insurance card number (record 23, part of the patient's identity) and share name, sex and birth date, so the one
/// dispensing fits them all; prescriptions differ in the patient code of record 11 too, so no two are the same bytes. Many
/// patients, not one: the notebook sync orders records per patient, and a real network's lifecycles are of different people.
/// </summary>
internal sealed class LifecycleDocuments
{
    /// <summary>
    /// How many patients the prescriptions are spread over; the notebook app is linked to each before the run. 2,000: a run of
    /// 10,000–20,000 lifecycles gives each patient a handful of same-day dispensings of the same drug. With 200 (until
    /// 2026-12-02) each patient collected 50 or more within one run, every registration's duplicate-medication answer listed
    /// them all and every check read them, and throughput fell by a third within the 30 s window: the bench measured a patient
    /// nobody has. The environment variable <c>PATIENTS</c> sets another number (to compare with earlier runs).
    /// </summary>
    public static int Patients { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("PATIENTS"), out var patients) && patients > 0 ? patients : 2_000;

    private readonly byte[] _prescription;
    private readonly SigningKey _doctor;
    private readonly string _runTag = RunTag();
    private long _issued;

    private LifecycleDocuments(byte[] prescription, SigningKey doctor, byte[] signedDispensing)
    {
        _prescription = prescription;
        _doctor = doctor;
        SignedDispensing = signedDispensing;
        DispenseBody = Encoding.UTF8.GetBytes($"{{\"signedDocument\":\"{Convert.ToBase64String(signedDispensing)}\"}}");
    }

    /// <summary>The pharmacist-signed JAHISTC08 dispensing (CMS with the content inside).</summary>
    public byte[] SignedDispensing { get; }

    /// <summary>POST /v1/prescriptions/{id}/dispensing body.</summary>
    public byte[] DispenseBody { get; }

    public static LifecycleDocuments Load(string certs)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(9)).ToString("yyyyMMdd", CultureInfo.InvariantCulture); // business date in Japan
        var doctor = Key(certs, "doctor.p12");
        var pharmacist = Key(certs, "pharmacist.p12");
        var prescription = WithField(Resource("prescription.txt"), "51", 1, today);
        var dispensing = WithField(Resource("dispensing.csv"), "5", 1, today);
        var signedDispensing = new CmsSigner().Sign(dispensing, pharmacist, new SigningOptions { Detached = false });
        return new LifecycleDocuments(prescription, doctor, signedDispensing);
    }

    /// <summary>Signs <paramref name="count"/> new distinct prescriptions on every core.</summary>
    public IReadOnlyList<SignedPrescription> Sign(int count)
    {
        var signed = new ConcurrentBag<SignedPrescription>();
        Parallel.For(0, count, () => new CmsSigner(), (_, _, signer) =>
        {
            var number = Interlocked.Increment(ref _issued);
            // Record 11 field 1 (患者コード, up to 15 characters): unique per run and per document.
            var document = WithField(_prescription, "11", 1, _runTag + number.ToString("D10", CultureInfo.InvariantCulture));
            document = WithField(document, "23", 2, CardNumber((int)(number % Patients)));
            var signature = signer.Sign(document, _doctor, new SigningOptions { Detached = true });
            signed.Add(new SignedPrescription(Convert.ToBase64String(document), Convert.ToBase64String(signature)));
            return signer;
        }, _ => { });
        return [.. signed];
    }

    /// <summary>被保険者証番号 of patient <paramref name="patient"/>, in full-width digits as cards print them.</summary>
    private string CardNumber(int patient) =>
        new([.. (_runTag[..2] + patient.ToString("D4", CultureInfo.InvariantCulture)).Select(c => c is >= '0' and <= '9' ? (char)('０' + (c - '0')) : (char)(c - 'A' + 'Ａ'))]);

    private static string RunTag()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        return new string(RandomNumberGenerator.GetItems<char>(alphabet, 5));
    }

    private static SigningKey Key(string certs, string file)
    {
        var path = Path.Combine(certs, "signers", file);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} not found: run from the repository root, or pass --certs with the development PKI folder.");
        return SigningKey.FromPkcs12File(path, "dev-only");
    }

    private static byte[] Resource(string name)
    {
        using var stream = typeof(LifecycleDocuments).Assembly.GetManifestResourceStream($"EPrescription.LoadGenerator.{name}")!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The document with one field of the records of that number replaced, written back canonically.</summary>
    private static byte[] WithField(byte[] bytes, string record, int position, string value) =>
        JahisWriter.Write(JahisReader.Read(bytes).WithField(record, position, value));
}
