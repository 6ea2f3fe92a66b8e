using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace EPrescription.Server.Clients;

/// <summary>点数表 (fee schedule): the third digit of an institution code, saying what kind of institution it is.</summary>
public enum FeeSchedule
{
    /// <summary>医科: a medical clinic or hospital.</summary>
    Medical = 1,
    /// <summary>歯科: a dental clinic.</summary>
    Dental = 3,
    /// <summary>調剤: a pharmacy.</summary>
    Pharmacy = 4,
}

/// <summary>
/// 医療機関コード / 薬局コード (institution code) as the JAHIS formats carry it: 10 digits, the prefecture (01–47), the fee
/// schedule (1 medical, 3 dental, 4 pharmacy) and the institution's 7-digit code.
/// </summary>
public readonly record struct InstitutionCode
{
    private InstitutionCode(string value) => Value = value;

    public string Value { get; }

    /// <summary>都道府県番号: 01 (Hokkaido) to 47 (Okinawa).</summary>
    public int Prefecture => int.Parse(Value.AsSpan(0, 2), CultureInfo.InvariantCulture);

    public FeeSchedule FeeSchedule => (FeeSchedule)(Value[2] - '0');

    /// <summary>The 7-digit code within the prefecture and fee schedule.</summary>
    public string Code => Value[3..];

    public bool IsClinic => FeeSchedule is FeeSchedule.Medical or FeeSchedule.Dental;

    public bool IsPharmacy => FeeSchedule == FeeSchedule.Pharmacy;

    /// <summary>Reads a code; when it is not one, <paramref name="error"/> says what is wrong in words an operator can act on.</summary>
    public static bool TryParse(string? text, out InstitutionCode code, [NotNullWhen(false)] out string? error)
    {
        code = default;
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            error = "the institution code is missing: it has 10 digits, prefecture 2 + 点数表 1 + code 7.";
            return false;
        }
        if (value.Length != 10 || !value.All(char.IsAsciiDigit))
        {
            error = $"institution code '{value}' is not 10 digits (prefecture 2 + 点数表 1 + code 7).";
            return false;
        }
        var prefecture = int.Parse(value.AsSpan(0, 2), CultureInfo.InvariantCulture);
        if (prefecture is < 1 or > 47)
        {
            error = $"institution code '{value}' starts with prefecture {value[..2]}: prefectures are 01 to 47.";
            return false;
        }
        if (!Enum.IsDefined((FeeSchedule)(value[2] - '0')))
        {
            error = $"institution code '{value}' has 点数表 {value[2]}: it must be 1 (medical), 3 (dental) or 4 (pharmacy).";
            return false;
        }
        code = new InstitutionCode(value);
        error = null;
        return true;
    }

    public static InstitutionCode Parse(string text) =>
        TryParse(text, out var code, out var error) ? code : throw new FormatException(error);

    public override string ToString() => Value ?? "";
}

public static class FeeSchedules
{
    public static string Describe(this FeeSchedule schedule) => schedule switch
    {
        FeeSchedule.Medical => "1 (medical)",
        FeeSchedule.Dental => "3 (dental)",
        FeeSchedule.Pharmacy => "4 (pharmacy)",
        _ => ((int)schedule).ToString(CultureInfo.InvariantCulture),
    };
}
