using System.Globalization;
using EPrescription.Formats.Layout;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Writing;

namespace EPrescription.Formats.Notebook;

/// <summary>
/// Notebook data too large for one QR code or file travel in parts (分割): each part is a complete document with its own
/// version line and record 1, and ends with record 911 (分割制御) naming the data (データ固有ID), the number of parts and
/// this part's number. Joining puts the patient's own records first, the dispensing blocks in part order, then the
/// primary pharmacists, as one document would have them.
/// </summary>
public static class SplitDocuments
{
    private const string SplitControl = "911";
    private const string Patient = "1";
    private const string DispensingDate = "5";
    private const int MaxParts = 999;

    /// <summary>True when the document is one part of split data.</summary>
    public static bool IsPart(JahisDocument document) => document.First(SplitControl) is not null;

    /// <summary>
    /// Joins the parts of one split notebook document, in any order, into one document without record 911. Throws
    /// <see cref="JahisFormatException"/> naming every problem: a part missing or given twice, parts of different data,
    /// a part without record 911.
    /// </summary>
    public static JahisDocument Join(IEnumerable<JahisDocument> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var parts = documents.ToList();
        if (parts.Count == 0) throw new ArgumentException("There are no parts to join.", nameof(documents));
        if (parts.Count == 1 && !IsPart(parts[0])) return parts[0];

        var ordered = CheckParts(parts);
        var first = ordered[0].Document;
        var header = new List<JahisRecord>();
        var blocks = new List<JahisRecord>();
        var trailer = new List<JahisRecord>();
        foreach (var (document, _) in ordered)
        {
            foreach (var record in document.Body)
            {
                if (record.Number is SplitControl or Patient) continue;
                (SectionOf(record) switch { Section.Header => header, Section.Blocks => blocks, _ => trailer }).Add(record);
            }
        }
        var patient = first.First(Patient) ?? ordered.Select(p => p.Document.First(Patient)).FirstOrDefault(r => r is not null);
        List<JahisRecord> records = [first.VersionRecord, .. patient is null ? [] : new[] { patient }, .. header, .. blocks, .. trailer];
        return new JahisDocument(JahisFormat.Notebook, first.Version, records, first.Encoding);
    }

    /// <summary>
    /// Splits a notebook document into parts of at most <paramref name="maxBytes"/> bytes each (CP932, CR LF), cutting between
    /// dispensing blocks. A block larger than a part is cut between its records; the continuation is then not a valid
    /// document on its own, but the parts still join. A document that fits is returned whole, without record 911.
    /// </summary>
    /// <param name="dataId">データ固有ID: up to 14 digits shared by every part, e.g. from <see cref="NewDataId"/>.</param>
    public static IReadOnlyList<JahisDocument> Split(JahisDocument document, int maxBytes, string dataId)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Format != JahisFormat.Notebook)
            throw new ArgumentException("Only notebook documents (JAHISTC) are split with record 911.", nameof(document));
        if (dataId.Length is < 1 or > 14 || !dataId.All(char.IsAsciiDigit))
            throw new ArgumentException("A データ固有ID (data ID) is 1 to 14 digits.", nameof(dataId));

        // A part given again is re-split as it stands: its old 911 would no longer describe the new parts.
        var body = document.Body.Where(r => r.Number != SplitControl).ToList();
        if (Size([document.VersionRecord, .. body]) <= maxBytes)
            return [new JahisDocument(JahisFormat.Notebook, document.Version, [document.VersionRecord, .. body], document.Encoding)];

        var patient = body.FirstOrDefault(r => r.Number == Patient);
        var units = Units(body.Where(r => r.Number != Patient)).ToList();
        // Every part repeats the version line and record 1 and ends with a 911, whose counts take as many digits as the
        // number of parts: try one digit first, and more only when the parts come to ten or more.
        List<List<JahisRecord>> parts = [];
        for (var largest = 9; largest <= MaxParts; largest = largest * 10 + 9)
        {
            var fixedSize = Size([document.VersionRecord, .. patient is null ? [] : new[] { patient }, Control(document.Version, dataId, largest, largest)]);
            parts = Pack(units, maxBytes - fixedSize, maxBytes);
            if (parts.Count <= largest) break;
        }
        if (parts.Count > MaxParts)
            throw new ArgumentException($"The document needs {parts.Count} parts of {maxBytes} bytes; record 911 counts at most {MaxParts}.", nameof(maxBytes));

        return [.. parts.Select((records, index) => new JahisDocument(JahisFormat.Notebook, document.Version,
            [document.VersionRecord, .. patient is null ? [] : new[] { patient }, .. records, Control(document.Version, dataId, parts.Count, index + 1)],
            document.Encoding))];
    }

    /// <summary>Fills parts with whole units while they fit, and cuts a unit between its records only when it fills more than a part.</summary>
    private static List<List<JahisRecord>> Pack(IEnumerable<List<JahisRecord>> units, int room, int maxBytes)
    {
        var parts = new List<List<JahisRecord>>();
        var current = new List<JahisRecord>();
        var used = 0;
        foreach (var unit in units)
        {
            var size = Size(unit);
            if (used + size <= room)
            {
                current.AddRange(unit);
                used += size;
                continue;
            }
            if (current.Count > 0 && size <= room)
            {
                parts.Add(current);
                current = [.. unit];
                used = size;
                continue;
            }
            foreach (var record in unit)
            {
                var recordSize = Size([record]);
                if (recordSize > room)
                    throw new ArgumentException($"Record {record.Number} takes {recordSize} bytes, more than a part of {maxBytes} bytes has room for after its version line, record 1 and 911.", nameof(maxBytes));
                if (used + recordSize > room)
                {
                    parts.Add(current);
                    current = [];
                    used = 0;
                }
                current.Add(record);
                used += recordSize;
            }
        }
        if (current.Count > 0) parts.Add(current);
        return parts;
    }

    /// <summary>A データ固有ID from a time, as JAHIS samples make them: yyyyMMddHHmmss.</summary>
    public static string NewDataId(DateTimeOffset time) => time.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    private static List<(JahisDocument Document, int Number)> CheckParts(List<JahisDocument> parts)
    {
        var problems = new List<string>();
        var read = new List<(JahisDocument Document, string Id, int Count, int Number)>();
        for (var i = 0; i < parts.Count; i++)
        {
            var document = parts[i];
            if (document.Format != JahisFormat.Notebook)
            {
                problems.Add($"document {i + 1} is a prescription, not a notebook part");
                continue;
            }
            if (document.First(SplitControl) is not { } control)
            {
                problems.Add($"document {i + 1} has no record 911 (分割制御, split control), so it is not a part of split data");
                continue;
            }
            if (!int.TryParse(control.Value(2), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1
                || !int.TryParse(control.Value(3), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
            {
                problems.Add($"document {i + 1}: record 911 (line {control.Line}) does not give the number of parts and the part's number, each 1 or more");
                continue;
            }
            read.Add((document, control.Value(1), count, number));
        }

        var ids = read.Select(p => p.Id).Distinct(StringComparer.Ordinal).ToList();
        // Part numbers and counts are named below; the data IDs are not, as no message quotes what a document identifies.
        if (ids.Count > 1) problems.Add($"the parts belong to {ids.Count} different data (their データ固有ID differ)");
        var counts = read.Select(p => p.Count).Distinct().ToList();
        if (counts.Count > 1) problems.Add($"the parts disagree on the number of parts ({string.Join(", ", counts)})");
        if (read.Select(p => (p.Document.Version, p.Document.OutputKind)).Distinct().Count() > 1)
            problems.Add("the parts have different version lines");
        if (read.Select(p => p.Document.First(Patient)?.ToString()).OfType<string>().Distinct(StringComparer.Ordinal).Count() > 1)
            problems.Add("the parts carry different patients (record 1)");
        if (ids.Count == 1 && counts.Count == 1)
        {
            var count = counts[0];
            foreach (var duplicate in read.GroupBy(p => p.Number).Where(g => g.Count() > 1))
                problems.Add($"part {duplicate.Key} of {count} is given {duplicate.Count()} times");
            foreach (var beyond in read.Where(p => p.Number > count))
                problems.Add($"part {beyond.Number} lies beyond the {count} parts the data has");
            var missing = Enumerable.Range(1, count).Except(read.Select(p => p.Number)).ToList();
            if (missing.Count > 0) problems.Add($"part{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} of {count} {(missing.Count > 1 ? "are" : "is")} missing");
        }

        if (problems.Count > 0) throw new JahisFormatException("The notebook parts cannot be joined: " + string.Join("; ", problems) + ".");
        return [.. read.OrderBy(p => p.Number).Select(p => (p.Document, p.Number))];
    }

    private enum Section { Header, Blocks, Trailer }

    /// <summary>Records 2 … 4 belong before the dispensing blocks, 701 after them.</summary>
    private static Section SectionOf(JahisRecord record) => Layouts.Notebook.Find(record.Number) switch
    {
        { Number: DispensingDate } => Section.Blocks,
        { In: "document", Order: < 5 } => Section.Header,
        { In: "document" } => Section.Trailer,
        _ => Section.Blocks,
    };

    /// <summary>What a part should not cut: an OTC drug with its ingredients, a whole dispensing block; anything else alone.</summary>
    private static IEnumerable<List<JahisRecord>> Units(IEnumerable<JahisRecord> records)
    {
        List<JahisRecord>? unit = null;
        foreach (var record in records)
        {
            var joinsPrevious = unit is not null && (record.Number == "31" && unit[0].Number == "3"
                || unit[0].Number == DispensingDate && SectionOf(record) == Section.Blocks && record.Number != DispensingDate);
            if (joinsPrevious)
            {
                unit!.Add(record);
                continue;
            }
            if (unit is not null) yield return unit;
            unit = [record];
        }
        if (unit is not null) yield return unit;
    }

    private static JahisRecord Control(int version, string dataId, int count, int number) =>
        LayoutRecord.Create(Layouts.Notebook, version, SplitControl, dataId,
            count.ToString(CultureInfo.InvariantCulture), number.ToString(CultureInfo.InvariantCulture));

    private static int Size(IEnumerable<JahisRecord> records) => JahisWriter.Write(records).Length;
}
