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

/// <summary>
/// The only exception the readers throw on a document's content: the bytes are not a JAHIS document at all, or (from the
/// typed readers) a part of a document cannot be given its meaning. Where it knows them it names the line, record and field.
/// Its message never quotes a value of the document, so that it may be logged.
/// </summary>
public sealed class JahisFormatException : Exception
{
    public JahisFormatException(string message) : base(message)
    {
    }

    /// <param name="rule">What the field should hold, e.g. "is not a number"; never the value itself.</param>
    public JahisFormatException(int line, string? record, int? field, string rule)
        : base(new FormatProblem(line, record, field, null, Unreadable, rule).ToString())
    {
        Line = line;
        Record = record;
        Field = field;
        Rule = rule;
    }

    /// <summary>The code of a problem that the validator found only by reading the document into its typed model.</summary>
    public const string Unreadable = "UNREADABLE";

    /// <summary>1-based line of the document, 0 when the problem has no line.</summary>
    public int Line { get; }
    public string? Record { get; }
    public int? Field { get; }
    public string? Rule { get; }

    /// <summary>The problem as the validator reports it.</summary>
    public FormatProblem ToProblem() => new(Line, Record, Field, null, Unreadable, Rule ?? Message);
}
