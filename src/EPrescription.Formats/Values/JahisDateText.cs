using EPrescription.Formats.Layout;

namespace EPrescription.Formats.Values;

/// <summary>
/// A date exactly as a document wrote it: YYYYMMDD, or the era form GYYMMDD with an era letter (S220101) or digit (3220101).
/// The notebook keeps the text because a patient's record re-exported should read as the source wrote it;
/// <see cref="Date"/> gives its meaning.
/// </summary>
public readonly record struct JahisDateText(string Text)
{
    public static JahisDateText From(DateOnly date) => new(JahisDate.From(date).ToString());

    /// <summary>The date, or null when the text is not one. A leading letter means the notebook's era letters, else era digits.</summary>
    public JahisDate? Date
    {
        get
        {
            var text = Text ?? "";
            var style = text.Length > 0 && char.IsAsciiLetter(text[0]) ? EraStyle.Letter : EraStyle.Digit;
            return JahisDate.TryParse(text, style, allowPartial: true, out var date, out _) ? date : null;
        }
    }

    public override string ToString() => Text ?? "";
}
