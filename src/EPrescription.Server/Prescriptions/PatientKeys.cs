using System.Security.Cryptography;
using System.Text;
using EPrescription.Formats.Prescriptions;
using Microsoft.Extensions.Options;

namespace EPrescription.Server.Prescriptions;

/// <summary>Configuration section "PatientKeys".</summary>
public sealed class PatientKeyOptions
{
    /// <summary>The HMAC key, base64, at least 32 bytes. Embedded mode generates one under ./data/ when none is configured.</summary>
    public string? Secret { get; set; }

    /// <summary>Where embedded mode keeps the generated key.</summary>
    public string SecretFile { get; set; } = "data/patient-key.secret";
}

/// <summary>
/// The patient as the notebook sync knows them: a keyed hash (HMAC-SHA256) of the insurance identity (insurer number, card
/// symbol, number, branch) and birth date, so the same patient links across prescriptions without any raw identifier stored.
/// </summary>
public sealed class PatientKeys
{
    private readonly byte[] _secret;

    public PatientKeys(IOptions<PatientKeyOptions> options)
    {
        var value = options.Value;
        if (!string.IsNullOrWhiteSpace(value.Secret))
        {
            _secret = Convert.FromBase64String(value.Secret);
        }
        else
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(value.SecretFile));
            if (folder is not null) Directory.CreateDirectory(folder);
            if (!File.Exists(value.SecretFile))
            {
                File.WriteAllText(value.SecretFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            }
            _secret = Convert.FromBase64String(File.ReadAllText(value.SecretFile).Trim());
        }
        if (_secret.Length < 32) throw new InvalidOperationException("PatientKeys:Secret must hold at least 32 bytes (base64).");
    }

    public string For(Prescription prescription)
    {
        var insurance = prescription.Insurance;
        // Full-width digits in card symbols and numbers are common; normalise so the same card always gives the same key.
        var identity = string.Join('\u001F',
            Normalize(insurance.InsurerNumber), Normalize(insurance.CardSymbol), Normalize(insurance.CardNumber),
            Normalize(insurance.BranchNumber), prescription.Patient.BirthDate.ToString());
        return Convert.ToHexString(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(identity)));
    }

    private static string Normalize(string? value) => (value ?? "").Normalize(NormalizationForm.FormKC).Replace(" ", "", StringComparison.Ordinal);
}
