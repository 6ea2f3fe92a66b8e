using System.Text;

namespace EPrescription.Formats.Text;

/// <summary>
/// Character rules shared by both JAHIS formats: Shift_JIS as Windows-31J (CP932) on the wire, CR LF line ends,
/// a full-width comma for commas inside text, and ■ for characters CP932 cannot represent (外字 replacement).
/// </summary>
public static class JahisText
{
    public const char FieldSeparator = ',';
    public const char FullWidthComma = '，';
    /// <summary>■ (0x81A1): what the JAHIS rules put in place of a character Shift_JIS lacks.</summary>
    public const string MissingCharacter = "■";
    public const byte EndOfFile = 0x1A;

    /// <summary>The blanks a field may carry around its value (tolerated on input): half-width and full-width spaces.</summary>
    public static readonly char[] Blanks = [' ', '\u3000'];

    // Field initialisers run in text order: the code-page provider is registered before any CP932 encoding is created.
    private static readonly bool CodePagesRegistered = RegisterCodePages();

    private static bool RegisterCodePages()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return true;
    }

    /// <summary>Strict decoder: invalid bytes are reported as a document problem, not silently replaced.</summary>
    internal static readonly Encoding StrictCp932 = CodePagesRegistered
        ? Encoding.GetEncoding(932, new EncoderReplacementFallback(MissingCharacter), DecoderFallback.ExceptionFallback)
        : throw new InvalidOperationException();
    internal static readonly Encoding LenientCp932 =
        Encoding.GetEncoding(932, new EncoderReplacementFallback(MissingCharacter), new DecoderReplacementFallback("\uFFFD"));
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    internal static readonly UTF8Encoding LenientUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>How many Shift_JIS bytes the text takes (a character CP932 lacks counts as ■, two bytes).</summary>
    public static int Cp932ByteCount(string value) => value.All(char.IsAscii) ? value.Length : ToCp932(value).Length;

    /// <summary>True when every character of the value has a CP932 code.</summary>
    public static bool IsCp932Representable(string value)
    {
        if (value.All(char.IsAscii)) return true;
        try
        {
            NoFallbackCp932.GetByteCount(value);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    // An explicit fallback also switches off .NET's best-fit mapping, so nothing is silently turned into a look-alike.
    private static readonly Encoding NoFallbackCp932 =
        Encoding.GetEncoding(932, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

    /// <summary>CP932 bytes of the text, each character CP932 lacks (a whole surrogate pair counting as one) written as ■.</summary>
    public static byte[] ToCp932(string text)
    {
        try
        {
            return NoFallbackCp932.GetBytes(text);
        }
        catch (EncoderFallbackException)
        {
            var replaced = new StringBuilder(text.Length);
            foreach (var rune in text.EnumerateRunes())
            {
                var s = rune.ToString();
                replaced.Append(rune.IsAscii || IsCp932Representable(s) ? s : MissingCharacter);
            }
            return NoFallbackCp932.GetBytes(replaced.ToString());
        }
    }

    /// <summary>A value made fit for a field: commas become full-width commas (fields are never quoted).</summary>
    public static string EscapeField(string? value) =>
        string.IsNullOrEmpty(value) ? string.Empty : value.Replace(FieldSeparator, FullWidthComma);

    /// <summary>
    /// A user-defined character (外字) or a byte CP932 does not define: .NET decodes CP932's user-defined area F040–F9FC and
    /// the undefined single bytes A0, FD–FF to the Unicode private use area, where JAHIS allows nothing.
    /// </summary>
    public static bool IsPrivateUse(char c) => c is >= '\uE000' and <= '\uF8FF';

    /// <summary>Single-byte characters: what type X allows (ASCII printable and half-width katakana, JIS X 0201).</summary>
    public static bool IsSingleByte(char c) => c is >= ' ' and <= '~' || c is >= '\uFF61' and <= '\uFF9F';
}
