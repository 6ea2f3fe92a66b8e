using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Validation;

namespace EPrescription.Cli;

/// <summary>
/// `eprx check FILE...`: what a vendor runs on its own output. Detects the format, validates, and prints every problem as
/// <c>file:line: record N field M (name): message</c>, or with --json the parsed document and its problems.
/// </summary>
public sealed class CheckCommand : ICommand
{
    public string Usage => "check [--json] FILE...";

    public string Summary =>
        "Validate JAHIS prescription (JAHIS5-10) or notebook (JAHISTC01-08) files, Shift_JIS or UTF-8; exit 0 valid, 1 invalid, 2 unreadable.";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Japanese text stays readable in the output instead of \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var json = args.Contains("--json");
        var files = args.Where(a => a != "--json").ToList();
        var unknownOption = files.FirstOrDefault(f => f.StartsWith("--", StringComparison.Ordinal));
        if (unknownOption is not null || files.Count == 0)
        {
            stderr.WriteLine(unknownOption is null ? "eprx check: name at least one file." : $"eprx check: unknown option '{unknownOption}'.");
            stderr.WriteLine($"usage: eprx {Usage}");
            return Task.FromResult(ExitCodes.Usage);
        }

        var exit = ExitCodes.Ok;
        var results = new List<CheckResult>();
        foreach (var file in files)
        {
            var result = Check(file);
            results.Add(result);
            exit = Math.Max(exit, result.ExitCode);
            if (!json) Print(result, stdout, stderr);
        }

        if (json)
        {
            stdout.WriteLine(results.Count == 1
                ? JsonSerializer.Serialize(results[0], Json)
                : JsonSerializer.Serialize(results, Json));
        }
        return Task.FromResult(exit);
    }

    private static CheckResult Check(string file)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return CheckResult.Unreadable(file, $"cannot read the file: {e.Message}");
        }

        JahisDocument document;
        try
        {
            document = JahisReader.Read(bytes);
        }
        catch (JahisFormatException e)
        {
            return CheckResult.Unreadable(file, e.Message);
        }

        var report = JahisValidator.Validate(document);
        return new CheckResult(
            file,
            report.IsValid ? "valid" : "invalid",
            document.Format,
            document.VersionRecord.Number,
            document.OutputKind,
            document.Encoding.ToString(),
            report.Problems.Select(ProblemJson.From).ToList(),
            report.IsValid ? ExitCodes.Ok : ExitCodes.Invalid,
            report.IsValid ? TypedModel(document) : null,
            DocumentJson.From(document));
    }

    /// <summary>The typed prescription or notebook model; only for a valid document, whose every required part is there.</summary>
    private static object TypedModel(JahisDocument document) => document.Format == JahisFormat.Prescription
        ? EPrescription.Formats.Prescriptions.PrescriptionReader.Read(document)
        : EPrescription.Formats.Notebook.NotebookReader.Read(document);

    private static void Print(CheckResult result, TextWriter stdout, TextWriter stderr)
    {
        if (result.ExitCode == ExitCodes.Unreadable)
        {
            stderr.WriteLine($"{result.File}: {result.Problems[0].Message}");
            return;
        }
        foreach (var problem in result.Problems) stdout.WriteLine($"{result.File}:{problem.Line}: {problem.Text}");
        var errors = result.Problems.Count(p => p.Severity == ProblemSeverity.Error);
        var warnings = result.Problems.Count - errors;
        var what = $"{(result.Format == JahisFormat.Prescription ? "prescription" : "notebook")} {result.Version}" +
            (result.OutputKind is null ? "" : $" (output kind {result.OutputKind})") + $", {result.Encoding}";
        stdout.WriteLine(errors == 0
            ? $"{result.File}: valid {what}" + (warnings > 0 ? $", {warnings} warning(s)" : "")
            : $"{result.File}: invalid {what}: {errors} error(s)" + (warnings > 0 ? $", {warnings} warning(s)" : ""));
    }

    internal sealed record CheckResult(
        string File,
        string Status,
        JahisFormat? Format,
        string? Version,
        string? OutputKind,
        string? Encoding,
        IReadOnlyList<ProblemJson> Problems,
        [property: JsonIgnore] int ExitCode,
        object? Model,
        object? Records)
    {
        public static CheckResult Unreadable(string file, string message) =>
            new(file, "unreadable", null, null, null, null, [new ProblemJson(0, null, null, null, "UNREADABLE", message, ProblemSeverity.Error, message)],
                ExitCodes.Unreadable, null, null);
    }

    internal sealed record ProblemJson(int Line, string? Record, int? Field, string? FieldName, string Code, string Message,
        ProblemSeverity Severity, [property: JsonIgnore] string Text)
    {
        public static ProblemJson From(FormatProblem p) => new(p.Line, p.Record, p.Field, p.FieldName, p.Code, p.Message, p.Severity, p.Describe());
    }
}
