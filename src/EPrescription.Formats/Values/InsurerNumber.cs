namespace EPrescription.Formats.Values;

/// <summary>
/// 保険者番号 (insurer number): 6 digits for national health insurance (国保), 8 for the others, the last digit a
/// modulus-10 check digit with weights 2,1,2,1… from the right of the body (JAHIS.md §3.4).
/// </summary>
public static class InsurerNumber
{
    /// <summary>Null when the number is well formed, else what is wrong.</summary>
    public static string? Problem(string value)
    {
        if (!value.All(char.IsAsciiDigit)) return $"'{value}' must contain digits only";
        if (value.Length is not (6 or 8)) return $"'{value}' has {value.Length} digits; an insurer number has 6 (国保, national health insurance) or 8";
        var expected = CheckDigit(value[..^1]);
        return value[^1] - '0' == expected ? null : $"'{value}' has check digit {value[^1]}, but its first digits give {expected}: a digit is probably mistyped";
    }

    public static int CheckDigit(string body)
    {
        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var weight = i % 2 == 0 ? 2 : 1; // counted from the right end of the body
            var product = (body[body.Length - 1 - i] - '0') * weight;
            sum += product / 10 + product % 10;
        }
        return (10 - sum % 10) % 10;
    }
}
