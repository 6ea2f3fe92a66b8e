using EPrescription.Formats.Reading;

namespace EPrescription.Cli;

/// <summary>The records of a document with each field under its layout name, for `eprx check --json`.</summary>
internal static class DocumentJson
{
    public static IReadOnlyList<RecordJson> From(JahisDocument document)
    {
        var layout = document.Layout;
        return document.Records.Select((record, index) =>
        {
            var recordLayout = index == 0 ? null : layout.Find(record.Number);
            var fieldLayouts = index == 0 ? layout.VersionRecord.Fields : recordLayout?.Fields ?? [];
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var position = 1; position < record.Values.Count; position++)
            {
                if (record.Values[position].Length == 0) continue;
                var name = position <= fieldLayouts.Count ? fieldLayouts[position - 1].EnglishName : $"field{position}";
                fields[name] = record.Values[position];
            }
            return new RecordJson(record.Line, record.Number, index == 0 ? "version" : recordLayout?.EnglishName, fields);
        }).ToList();
    }

    internal sealed record RecordJson(int Line, string Record, string? Name, IReadOnlyDictionary<string, string> Fields);
}
