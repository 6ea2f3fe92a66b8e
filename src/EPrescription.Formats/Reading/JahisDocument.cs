using EPrescription.Formats.Layout;
using EPrescription.Formats.Text;

namespace EPrescription.Formats.Reading;

/// <summary>Which of the two JAHIS text formats a document is.</summary>
public enum JahisFormat
{
    /// <summary>院外処方箋 (outpatient prescription), first line JAHIS5 … JAHIS10.</summary>
    Prescription,
    /// <summary>電子版お薬手帳 (e-medication notebook), first line JAHISTC01 … JAHISTC08 and an output kind.</summary>
    Notebook,
}

/// <summary>
/// One line of a JAHIS document split into its fields, exactly as read. Field 0 is the record number
/// (for the version line, the version token), so <c>Field(3)</c> is the third field after it, as the JAHIS tables count.
/// </summary>
public sealed class JahisRecord
{
    public JahisRecord(int line, IReadOnlyList<string> values)
    {
        if (values.Count == 0) throw new ArgumentException("A record has at least its record number.", nameof(values));
        Line = line;
        Values = values;
    }

    /// <summary>A record built in code (not read from a file): line numbers are assigned when written.</summary>
    public JahisRecord(string number, params string?[] fields)
        : this(0, [number, .. fields.Select(f => JahisText.EscapeField(f))])
    {
    }

    /// <summary>1-based line in the source, 0 for a record built in code.</summary>
    public int Line { get; }

    /// <summary>The record number and the fields after it, as strings; empty string for an omitted field.</summary>
    public IReadOnlyList<string> Values { get; }

    public string Number => Values[0];

    /// <summary>Fields after the record number.</summary>
    public int FieldCount => Values.Count - 1;

    /// <summary>The field at a 1-based position, or "" when the line ends before it (trailing fields may be dropped).</summary>
    public string Field(int position) => position < Values.Count ? Values[position] : string.Empty;

    /// <summary>The field, or null when empty.</summary>
    public string? OptionalField(int position) => Field(position) is { Length: > 0 } value ? value : null;

    /// <summary>
    /// The field as it is meant: without blanks before or after it (half-width or full-width spaces), which JAHIS forbids but
    /// readers tolerate. The validator and the typed readers both read fields this way, so they agree on every value.
    /// </summary>
    public string Value(int position) => Field(position).Trim(JahisText.Blanks);

    /// <summary><see cref="Value"/>, or null when nothing is left.</summary>
    public string? OptionalValue(int position) => Value(position) is { Length: > 0 } value ? value : null;

    public override string ToString() => string.Join(',', Values);
}

/// <summary>
/// A JAHIS document as records, before any meaning is given to them. Reading then writing a canonical document
/// (CP932, CR LF) gives back the same bytes.
/// </summary>
public sealed class JahisDocument
{
    public JahisDocument(JahisFormat format, int version, IReadOnlyList<JahisRecord> records,
        TextEncodingKind encoding = TextEncodingKind.ShiftJis, IReadOnlyList<FormatProblem>? readProblems = null)
    {
        if (records.Count == 0) throw new ArgumentException("A document has at least its version record.", nameof(records));
        Format = format;
        Version = version;
        Records = records;
        Encoding = encoding;
        ReadProblems = readProblems ?? [];
    }

    public JahisFormat Format { get; }

    /// <summary>The number in the version token: 10 for JAHIS10, 8 for JAHISTC08.</summary>
    public int Version { get; }

    /// <summary>Every line, the version record first.</summary>
    public IReadOnlyList<JahisRecord> Records { get; }

    public JahisRecord VersionRecord => Records[0];

    public IEnumerable<JahisRecord> Body => Records.Skip(1);

    public TextEncodingKind Encoding { get; }

    /// <summary>Problems met while reading the bytes (bad encoding, blank lines), before validation.</summary>
    public IReadOnlyList<FormatProblem> ReadProblems { get; }

    public FormatLayout Layout => Format == JahisFormat.Prescription ? Layouts.Prescription : Layouts.Notebook;

    /// <summary>Notebook only: 出力区分 (output kind), "1" institution to patient, "2" patient to institution.</summary>
    public string? OutputKind => Format == JahisFormat.Notebook ? VersionRecord.OptionalField(1) : null;

    public IEnumerable<JahisRecord> All(string number) => Records.Where(r => r.Number == number);

    public JahisRecord? First(string number) => Records.FirstOrDefault(r => r.Number == number);

    /// <summary>
    /// A copy with field <paramref name="position"/> of every record numbered <paramref name="number"/> set to
    /// <paramref name="value"/> (commas become full-width commas) — e.g. a sample's issue date (record 51) set to today.
    /// </summary>
    public JahisDocument WithField(string number, int position, string value)
    {
        var escaped = JahisText.EscapeField(value);
        var records = Records.Select(r => r.Number != number ? r : new JahisRecord(r.Line,
            Enumerable.Range(0, Math.Max(r.Values.Count, position + 1)).Select(i => i == position ? escaped : r.Field(i)).ToArray())).ToList();
        return new JahisDocument(Format, Version, records, Encoding, ReadProblems);
    }
}
