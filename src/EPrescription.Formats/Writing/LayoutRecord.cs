using EPrescription.Formats.Layout;
using EPrescription.Formats.Reading;

namespace EPrescription.Formats.Writing;

/// <summary>
/// Builds a record with exactly the fields its layout has for the document's version: JAHIS asks writers to keep trailing
/// empty fields, and fields newer than the version (e.g. 23 枝番 before JAHIS7) are left out.
/// </summary>
internal static class LayoutRecord
{
    public static JahisRecord Create(FormatLayout layout, int version, string number, params string?[] fields)
    {
        var recordLayout = layout.Find(number) ?? throw new ArgumentException($"The {layout.Format} layout has no record {number}.", nameof(number));
        var count = recordLayout.Fields.Count(f => f.SinceVersion is not { } since || version >= since);
        if (fields.Length > recordLayout.Fields.Count)
            throw new ArgumentException($"Record {recordLayout} has {recordLayout.Fields.Count} fields, not {fields.Length}.", nameof(fields));
        var values = new string?[count];
        Array.Copy(fields, values, Math.Min(fields.Length, count));
        return new JahisRecord(number, values);
    }
}
