namespace EPrescription.Formats.Text;

/// <summary>The character encoding of a document's bytes.</summary>
public enum TextEncodingKind
{
    /// <summary>Shift_JIS as Windows-31J (CP932): the JAHIS wire encoding.</summary>
    ShiftJis,
    Utf8,
}
