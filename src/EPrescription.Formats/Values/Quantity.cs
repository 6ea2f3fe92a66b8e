using System.Globalization;

namespace EPrescription.Formats.Values;

/// <summary>
/// JAHIS quantities (用量, dose): up to 6 integer digits and 5 decimals, no leading zeros, no trailing decimal zeros,
/// no point when the fraction is 0 ("123456.78901", "100", "0.25", "1.5").
/// </summary>
public static class Quantity
{
    public static bool IsCanonical(string value)
    {
        var point = value.IndexOf('.');
        var integer = point < 0 ? value : value[..point];
        if (integer.Length is < 1 or > 6 || !integer.All(char.IsAsciiDigit)) return false;
        if (integer.Length > 1 && integer[0] == '0') return false;
        if (point < 0) return true;
        var fraction = value[(point + 1)..];
        return fraction.Length is >= 1 and <= 5 && fraction.All(char.IsAsciiDigit) && fraction[^1] != '0';
    }

    public static string Format(decimal value) =>
        Math.Round(value, 5, MidpointRounding.AwayFromZero).ToString("0.#####", CultureInfo.InvariantCulture);

    public static decimal Parse(string value) => decimal.Parse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    public static bool TryParse(string? value, out decimal quantity) =>
        decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out quantity);
}
