using System.Text;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;

namespace EPrescription.Formats.Writing;

/// <summary>
/// Writes records as canonical JAHIS text: CP932, CR LF after every record, fields joined by commas with no quoting,
/// commas inside values turned into full-width commas and characters CP932 lacks into ■.
/// </summary>
public static class JahisWriter
{
    public static byte[] Write(JahisDocument document) => Write(document.Records);

    public static byte[] Write(IEnumerable<JahisRecord> records) => JahisText.ToCp932(WriteText(records));

    /// <summary>The canonical text before encoding (for display and for UTF-8 copies).</summary>
    public static string WriteText(IEnumerable<JahisRecord> records)
    {
        var text = new StringBuilder();
        foreach (var record in records)
        {
            for (var i = 0; i < record.Values.Count; i++)
            {
                if (i > 0) text.Append(JahisText.FieldSeparator);
                text.Append(record.Values[i]);
            }
            text.Append("\r\n");
        }
        return text.ToString();
    }
}
