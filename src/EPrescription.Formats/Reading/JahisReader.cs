using System.Text;
using System.Text.RegularExpressions;
using EPrescription.Formats.Layout;
using EPrescription.Formats.Text;

namespace EPrescription.Formats.Reading;

/// <summary>
/// Reads the bytes of a JAHIS prescription or notebook document into records. It is lenient where JAHIS asks readers to be
/// (LF or CR LF, a trailing EOF byte, missing trailing fields) and reports everything else as problems for the validator to
/// add to; it throws <see cref="JahisFormatException"/> only when the bytes are not a JAHIS document at all.
/// </summary>
public static partial class JahisReader
{
    /// <summary>Reads a document; <paramref name="encoding"/> null means: UTF-8 when the bytes are valid UTF-8 with non-ASCII text, else CP932.</summary>
    public static JahisDocument Read(ReadOnlySpan<byte> bytes, TextEncodingKind? encoding = null)
    {
        var byteOrderMark = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF;
        if (byteOrderMark)
        {
            bytes = bytes[3..];
            encoding ??= TextEncodingKind.Utf8;
        }
        if (bytes.Length > 0 && bytes[^1] == JahisText.EndOfFile) bytes = bytes[..^1];
        if (bytes.IsEmpty) throw new JahisFormatException("The document is empty: a JAHIS document starts with a version record such as JAHIS10 or JAHISTC08,1.");

        var kind = encoding ?? Detect(bytes);
        var (strict, lenient) = kind == TextEncodingKind.Utf8
            ? ((Encoding)JahisText.StrictUtf8, (Encoding)JahisText.LenientUtf8)
            : (JahisText.StrictCp932, JahisText.LenientCp932);

        var problems = new List<FormatProblem>();
        if (byteOrderMark && kind == TextEncodingKind.ShiftJis)
        {
            // The mark says UTF-8 while the document is read as Shift_JIS: one of the two is wrong, and signing or storing
            // the bytes as they are would keep a mark that no Shift_JIS reader expects.
            problems.Add(new FormatProblem(1, null, null, null, "ENCODING",
                "the document starts with a UTF-8 byte-order mark but is Shift_JIS (CP932): save it without the mark, or send it as UTF-8"));
        }
        var records = new List<JahisRecord>();
        var lineNumber = 0;
        var rest = bytes;
        while (!rest.IsEmpty)
        {
            lineNumber++;
            // 0x0A never occurs inside a Shift_JIS or UTF-8 multi-byte character, so lines can be cut on bytes.
            var end = rest.IndexOf((byte)'\n');
            var lineBytes = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (!lineBytes.IsEmpty && lineBytes[^1] == '\r') lineBytes = lineBytes[..^1];

            if (lineBytes.IsEmpty)
            {
                // The final line break leaves nothing after it; any other empty line is a mistake (JAHIS omits records entirely).
                if (!rest.IsEmpty)
                    problems.Add(new FormatProblem(lineNumber, null, null, null, "BLANK_LINE",
                        "blank line: an omitted record is left out entirely, not written as an empty line", ProblemSeverity.Warning));
                continue;
            }

            string text;
            try
            {
                text = strict.GetString(lineBytes);
            }
            catch (DecoderFallbackException)
            {
                text = lenient.GetString(lineBytes);
                problems.Add(new FormatProblem(lineNumber, null, null, null, "ENCODING",
                    kind == TextEncodingKind.Utf8
                        ? "the line contains bytes that are not valid UTF-8"
                        : "the line contains bytes that are not valid Shift_JIS (CP932); was the file saved in another encoding?"));
            }
            records.Add(new JahisRecord(lineNumber, text.Split(JahisText.FieldSeparator)));
        }

        if (records.Count == 0) throw new JahisFormatException("The document has no records: a JAHIS document starts with a version record such as JAHIS10 or JAHISTC08,1.");

        var (format, version) = IdentifyVersion(records[0]);
        var layout = format == JahisFormat.Prescription ? Layouts.Prescription : Layouts.Notebook;
        for (var i = 1; i < records.Count; i++) records[i] = MovePaddedLastField(records[i], layout, problems);
        return new JahisDocument(format, version, records, kind, problems);
    }

    /// <summary>Reads a file that may be a notebook document split over several files (record 911), joined in part order.</summary>
    public static JahisDocument Read(string path, TextEncodingKind? encoding = null) => Read(File.ReadAllBytes(path), encoding);

    /// <summary>Which format and version the first record announces, or a <see cref="JahisFormatException"/>.</summary>
    public static (JahisFormat Format, int Version) IdentifyVersion(JahisRecord first)
    {
        var token = first.Number.Trim();
        var notebook = Regex.Match(token, Layouts.Notebook.VersionRecord.Pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        if (notebook.Success) return (JahisFormat.Notebook, int.Parse(notebook.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture));
        var prescription = Regex.Match(token, Layouts.Prescription.VersionRecord.Pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        if (prescription.Success && int.TryParse(prescription.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture, out var v))
            return (JahisFormat.Prescription, v);

        // The message never quotes the line: a file that is not JAHIS may still hold a patient's data.
        if (token.Any(c => char.IsControl(c) || c == '\uFFFD'))
            throw new JahisFormatException("line 1 is not text in Shift_JIS or UTF-8: a JAHIS document starts with a version record such as JAHIS10 or JAHISTC08,1.");
        throw new JahisFormatException(
            "line 1 is not a version record: a JAHIS document starts with one, " +
            "JAHIS5 … JAHIS10 for a prescription or JAHISTC01 … JAHISTC08 followed by the output kind for a notebook document.");
    }

    /// <summary>
    /// A record whose layout allows it (<see cref="RecordLayout.PaddedLastField"/>) may carry its last field after empty
    /// padding fields: it is read as if the padding were absent, so that the validator and the typed readers see one record.
    /// </summary>
    private static JahisRecord MovePaddedLastField(JahisRecord record, FormatLayout layout, List<FormatProblem> problems)
    {
        if (layout.Find(record.Number) is not { PaddedLastField: true } recordLayout) return record;
        var last = recordLayout.Fields.Count;
        var values = record.Values;
        if (values.Count - 1 <= last || values[^1].Length == 0) return record;
        for (var position = last; position < values.Count - 1; position++)
        {
            if (values[position].Length > 0) return record;
        }
        problems.Add(new FormatProblem(record.Line, record.Number, values.Count - 1, null, "PADDED_RECORD",
            $"record {recordLayout} has {last} fields, but its last field stands in field {values.Count - 1} after empty ones; " +
            $"it is read as field {last}", ProblemSeverity.Warning));
        return new JahisRecord(record.Line, [.. values.Take(last), values[^1]]);
    }

    /// <summary>
    /// The encoding <see cref="Read"/> assumes when it is given none: UTF-8 after a byte-order mark or when the bytes are valid
    /// UTF-8 with non-ASCII text, else CP932 (for stored documents whose encoding was not kept).
    /// </summary>
    public static TextEncodingKind DetectEncoding(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? TextEncodingKind.Utf8 : Detect(bytes);

    private static TextEncodingKind Detect(ReadOnlySpan<byte> bytes)
    {
        var ascii = true;
        foreach (var b in bytes)
        {
            if (b >= 0x80) { ascii = false; break; }
        }
        if (ascii) return TextEncodingKind.ShiftJis;
        try
        {
            JahisText.StrictUtf8.GetCharCount(bytes);
            return TextEncodingKind.Utf8;
        }
        catch (DecoderFallbackException)
        {
            return TextEncodingKind.ShiftJis;
        }
    }
}
