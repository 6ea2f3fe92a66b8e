namespace EPrescription.Formats.Reading;

public enum ProblemSeverity
{
    Error,
    /// <summary>Accepted on input (JAHIS asks readers to be lenient there) but not how a writer should produce it.</summary>
    Warning,
}

/// <summary>
/// One thing wrong with a document, located by line, record number and field position so a vendor can find it.
/// </summary>
/// <param name="Code">Stable upper-snake code, e.g. REQUIRED, TOO_LONG, UNKNOWN_CODE, OUT_OF_ORDER.</param>
public sealed record FormatProblem(
    int Line,
    string? Record,
    int? Field,
    string? FieldName,
    string Code,
    string Message,
    ProblemSeverity Severity = ProblemSeverity.Error)
{
    /// <summary>"line 12: record 201 field 7 (用量 / dose): must be a number …"</summary>
    public override string ToString() => $"line {Line}: {Describe()}";

    /// <summary>"record 201 field 7 (用量 / dose): must be a number …": the problem without its line.</summary>
    public string Describe()
    {
        var where = Record is null ? "" : $"record {Record}";
        if (Field is not null) where += $" field {Field}" + (FieldName is null ? "" : $" ({FieldName})");
        var severity = Severity == ProblemSeverity.Warning ? "warning: " : "";
        return where.Length == 0 ? severity + Message : $"{where}: {severity}{Message}";
    }
}

/// <summary>The only exception the readers throw: the bytes are not a JAHIS document at all.</summary>
public sealed class JahisFormatException(string message) : Exception(message);
