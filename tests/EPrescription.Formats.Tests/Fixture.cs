using System.Text;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Validation;

namespace EPrescription.Formats.Tests;

/// <summary>Hand-made documents that hold every record type of a format, and ways to change one field of them.</summary>
public static class Fixture
{
    public const string EveryRxRecord = "rx_every_record.utf8.txt";
    public const string EveryTcRecord = "tc_every_record.utf8.csv";

    public static string[] Lines(string name) =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", name), Encoding.UTF8);

    public static ValidationReport Validate(IEnumerable<string> lines) =>
        JahisValidator.Validate(JahisReader.Read(Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n"), Text.TextEncodingKind.Utf8));

    public static ValidationReport Validate(string text) =>
        JahisValidator.Validate(JahisReader.Read(Encoding.UTF8.GetBytes(text), Text.TextEncodingKind.Utf8));

    /// <summary>The fixture with field <paramref name="position"/> of line <paramref name="lineIndex"/> (0-based) replaced.</summary>
    public static string[] WithField(string name, int lineIndex, int position, string value)
    {
        var lines = Lines(name);
        var fields = lines[lineIndex].Split(',').ToList();
        while (fields.Count <= position) fields.Add("");
        fields[position] = value;
        lines[lineIndex] = string.Join(',', fields);
        return lines;
    }

    public static IEnumerable<string> Describe(ValidationReport report) => report.Errors.Select(p => p.ToString());
}
