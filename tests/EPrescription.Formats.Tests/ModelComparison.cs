using System.Text.Encodings.Web;
using System.Text.Json;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Writing;

namespace EPrescription.Formats.Tests;

/// <summary>How the model tests compare: typed models as JSON (their lists compare by reference), documents line by line.</summary>
internal static class ModelComparison
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Json<T>(T model) => JsonSerializer.Serialize(model, Options);

    /// <summary>
    /// The written lines with trailing empty fields dropped: JAHIS writers keep them, but some producers (and the 221 line of
    /// the shared sample) carry more or fewer, which a reader must accept and a writer need not reproduce.
    /// </summary>
    public static IReadOnlyList<string> TrimmedLines(JahisDocument document) =>
        JahisWriter.WriteText(document.Records)
            .Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.TrimEnd(','))
            .ToList();
}
