using System.Security.Cryptography;

namespace EPrescription.Server.Prescriptions;

/// <summary>引換番号 (exchange code): six random digits per prescription, which the pharmacy enters with the prescription ID.</summary>
public readonly record struct ExchangeCode
{
    private ExchangeCode(string value) => Value = value;

    public string Value { get; }

    public static ExchangeCode New() => new(RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture));

    public static bool TryParse(string? text, out ExchangeCode code)
    {
        var trimmed = text?.Trim();
        code = trimmed is { Length: 6 } && trimmed.All(char.IsAsciiDigit) ? new ExchangeCode(trimmed) : default;
        return code.Value is not null;
    }

    /// <summary>Compares in constant time, so response timing tells nothing about how many digits matched.</summary>
    public bool Matches(string? candidate) =>
        candidate is { Length: 6 } && CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(Value), System.Text.Encoding.ASCII.GetBytes(candidate));

    public override string ToString() => Value ?? "";
}
