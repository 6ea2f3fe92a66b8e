using System.Security.Cryptography;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// 処方箋ID (prescription ID): 17 random characters (82 bits) and one check character from an alphabet of 29 upper-case letters
/// and digits without look-alikes (0, 1, I, L, O, S and Z are left out), shown in three hyphenated groups of six, e.g.
/// <c>7KQM4R-X9TB3H-PWC2DF</c>. Safe in a URL as it stands; parsed in any letter case, with or without hyphens.
/// </summary>
/// <remarks>
/// The check character follows ISO/IEC 7064's pure-system construction with modulus 29 and radix 2 (like MOD 37-2, but over
/// this alphabet): the weighted sum Σ aᵢ·2ⁿ⁻ⁱ plus the check is 1 modulo 29. Because 29 is prime and larger than any difference
/// of two character values, every single-character error and every adjacent transposition changes the sum, so is caught.
/// (The hybrid MOD 37,36 system misses a few adjacent transpositions; the tests check both properties exhaustively.)
/// </remarks>
public readonly record struct PrescriptionId
{
    public const string Alphabet = "23456789ABCDEFGHJKMNPQRTUVWXY";
    private const int Modulus = 29;
    private const int RandomLength = 17;
    public const int Length = RandomLength + 1;

    private PrescriptionId(string canonical) => Value = canonical;

    /// <summary>18 characters, upper case, without hyphens: how it is stored.</summary>
    public string Value { get; }

    public static PrescriptionId New()
    {
        Span<char> chars = stackalloc char[Length];
        for (var i = 0; i < RandomLength; i++) chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Modulus)];
        chars[RandomLength] = CheckCharacter(chars[..RandomLength]);
        return new PrescriptionId(new string(chars));
    }

    /// <summary>Parses what a person or a URL gives: any letter case, hyphens and spaces anywhere.</summary>
    public static bool TryParse(string? text, out PrescriptionId id)
    {
        id = default;
        if (text is null || text.Length > 64) return false;
        Span<char> chars = stackalloc char[Length];
        var n = 0;
        foreach (var c in text)
        {
            if (c is '-' or ' ') continue;
            var upper = char.ToUpperInvariant(c);
            if (n == Length || Alphabet.IndexOf(upper) < 0) return false;
            chars[n++] = upper;
        }
        if (n != Length || CheckCharacter(chars[..RandomLength]) != chars[RandomLength]) return false;
        id = new PrescriptionId(new string(chars));
        return true;
    }

    public static PrescriptionId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a prescription ID.");

    /// <summary>The hyphenated form printed on the slip and returned by the API.</summary>
    public override string ToString() => Value is null ? "" : $"{Value[..6]}-{Value[6..12]}-{Value[12..]}";

    internal static char CheckCharacter(ReadOnlySpan<char> body)
    {
        var sum = 0;
        foreach (var c in body) sum = (sum + Alphabet.IndexOf(c)) * 2 % Modulus;
        return Alphabet[((1 - sum) % Modulus + Modulus) % Modulus];
    }
}
