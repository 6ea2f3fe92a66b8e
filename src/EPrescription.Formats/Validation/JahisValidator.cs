using EPrescription.Formats.Layout;
using EPrescription.Formats.Notebook;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;

namespace EPrescription.Formats.Validation;

/// <summary>
/// Checks a document against its layout (schemas/jahis-*.layout.json) and reports every problem at once: unknown records,
/// records out of order or outside their group, missing or repeated records, and per field: required, type, length,
/// code lists, dates, quantities and check digits. The rules come from the layout data; this type only interprets them.
/// </summary>
public static class JahisValidator
{
    public static ValidationReport Validate(JahisDocument document)
    {
        var layout = document.Layout;
        var problems = new List<FormatProblem>(document.ReadProblems);
        var stack = new Stack<OpenContainer>();
        var context = new FieldContext(document, layout, number => FindOpen(stack, number));

        CheckVersionRecord(document, layout, context, problems);

        var root = new OpenContainer(layout.ContainersByName["document"], null, [], document.VersionRecord);
        stack.Push(root);

        foreach (var record in document.Body)
        {
            var recordLayout = layout.Find(record.Number);
            if (recordLayout is null)
            {
                problems.Add(new FormatProblem(record.Line, record.Number, null, null, "UNKNOWN_RECORD",
                    $"'{Clip(record.Number)}' is not a record number of the {FormatName(document)} format"));
                continue;
            }

            if (Place(record, recordLayout, layout, stack, problems))
            {
                CheckFields(record, recordLayout, context, problems);
            }
        }

        while (stack.Count > 0) Close(stack.Pop(), layout, problems);
        CheckReferences(document, layout, problems);
        if (!problems.Any(p => p.Severity == ProblemSeverity.Error)) CheckReadable(document, problems);

        return new ValidationReport(document, problems
            .OrderBy(p => p.Line).ThenBy(p => p.Field ?? 0)
            .ToList());
    }

    /// <summary>
    /// The promise the validator makes: a document it accepts, the typed readers read. The layout's rules should already
    /// refuse anything they cannot; should one be missing, the document is refused here with the reader's reason, never
    /// accepted and then failed on (the mutation tests check that this never has to happen).
    /// </summary>
    private static void CheckReadable(JahisDocument document, List<FormatProblem> problems)
    {
        try
        {
            if (document.Format == JahisFormat.Prescription) PrescriptionReader.Read(document);
            else NotebookReader.Read(document);
        }
        catch (JahisFormatException e)
        {
            problems.Add(e.ToProblem());
        }
    }

    /// <summary>Fields whose value must name a record elsewhere in the document (an OTC ingredient's OTC record 3).</summary>
    private static void CheckReferences(JahisDocument document, FormatLayout layout, List<FormatProblem> problems)
    {
        foreach (var record in document.Body)
        {
            if (layout.Find(record.Number) is not { } recordLayout) continue;
            foreach (var field in recordLayout.Fields)
            {
                if (field.References is not { } target || record.OptionalValue(field.Position) is not { } value) continue;
                if (document.All(target.Record).Any(r => r.Value(target.Field) == value)) continue;
                problems.Add(FieldProblem(record, field, "MISSING_REFERENCE",
                    $"names no record {layout.Find(target.Record)?.ToString() ?? target.Record}: no such record carries this number in its field {target.Field} ({FieldName(layout.Find(target.Record), target.Field)})"));
            }
        }
    }

    /// <summary>The record of this number in the innermost open group that holds one (the dispensing block's record 11).</summary>
    private static JahisRecord? FindOpen(Stack<OpenContainer> stack, string number)
    {
        foreach (var container in stack)
        {
            if (container.FirstRecord(number) is { } record) return record;
        }
        return null;
    }

    private static void CheckVersionRecord(JahisDocument document, FormatLayout layout, FieldContext context, List<FormatProblem> problems)
    {
        var record = document.VersionRecord;
        if (record.Number.Any(char.IsControl))
            problems.Add(new FormatProblem(record.Line, null, null, null, "INVALID_CHARACTER", FieldRules.ControlCharacterMessage(record.Number)));
        var versionLayout = new RecordLayout
        {
            Number = record.Number, Name = "バージョン", EnglishName = "version", Fields = layout.VersionRecord.Fields,
        };
        CheckFields(record, versionLayout, context, problems);
    }

    /// <summary>Puts the record into its container, reporting order and grouping problems. False when it has no place.</summary>
    private static bool Place(JahisRecord record, RecordLayout recordLayout, FormatLayout layout, Stack<OpenContainer> stack, List<FormatProblem> problems)
    {
        var target = layout.ContainersByName.GetValueOrDefault(recordLayout.In);
        if (target is null)
        {
            problems.Add(Problem(record, "LAYOUT", $"the layout places record {recordLayout.Number} in an unknown group '{recordLayout.In}'"));
            return false;
        }

        OpenContainer? container;
        if (target.Implicit)
        {
            container = EnterImplicit(record, recordLayout, target, layout, stack, problems);
            if (container is null) return false;
        }
        else
        {
            container = stack.FirstOrDefault(c => c.Layout.Name == target.Name);
            if (container is null)
            {
                var opener = target.Opener;
                problems.Add(Problem(record, "OUT_OF_GROUP", opener is null
                    ? $"record {recordLayout} cannot stand here"
                    : $"must follow the record {opener} it belongs to, but none is open here"));
                return false;
            }
            while (stack.Peek() != container) Close(stack.Pop(), layout, problems);
        }

        if (!Admit(container, record, recordLayout.Number, recordLayout.Order, recordLayout.Repeats, recordLayout.ToString(), problems))
            return false;
        container.Remember(record);

        CheckKey(container, record, recordLayout, problems);

        if (recordLayout.Opens is not null && layout.ContainersByName.TryGetValue(recordLayout.Opens, out var opened))
        {
            var key = opened.Key.Select(record.Value).ToArray();
            if (opened.Key.Count > 0 && opened.UniqueKey && container.ChildKeys.TryGetValue(recordLayout.Opens, out var seen) && seen.Contains(string.Join(',', key)))
            {
                problems.Add(new FormatProblem(record.Line, record.Number, opened.Key[0], FieldName(recordLayout, opened.Key[0]), "DUPLICATE_KEY",
                    $"{string.Join(" / ", opened.Key.Select(k => FieldName(recordLayout, k)))} {string.Join(",", key)} is used twice; each group needs its own number"));
            }
            container.RememberChildKey(recordLayout.Opens, key);
            stack.Push(new OpenContainer(opened, container, key, record));
        }
        return true;
    }

    /// <summary>Finds or opens the implicit container (the notebook's RP, keyed by RP番号) the record belongs in.</summary>
    private static OpenContainer? EnterImplicit(JahisRecord record, RecordLayout recordLayout, ContainerLayout target, FormatLayout layout,
        Stack<OpenContainer> stack, List<FormatProblem> problems)
    {
        var key = target.Key.Select(record.Value).ToArray();
        var current = stack.FirstOrDefault(c => c.Layout.Name == target.Name);
        if (current is not null && current.Key.SequenceEqual(key))
        {
            while (stack.Peek() != current) Close(stack.Pop(), layout, problems);
            return current;
        }

        var parent = stack.FirstOrDefault(c => target.In.Contains(c.Layout.Name));
        if (parent is null)
        {
            problems.Add(Problem(record, "OUT_OF_GROUP",
                $"must stand inside a {string.Join(" or ", target.In)} (after record 5, the dispensing date)"));
            return null;
        }
        while (stack.Peek() != parent) Close(stack.Pop(), layout, problems);

        if (!Admit(parent, record, "#" + target.Name, target.Order, target.Occurs.EndsWith('n'), $"a new {Title(target)}", problems))
            return null;
        var keyText = string.Join(',', key);
        if (parent.ChildKeys.TryGetValue(target.Name, out var seen) && seen.Contains(keyText))
        {
            problems.Add(new FormatProblem(record.Line, record.Number, target.Key[0], FieldName(recordLayout, target.Key[0]), "DUPLICATE_KEY",
                $"{Title(target)} {keyText} appeared earlier in this group; the records of one {Title(target)} stay together"));
        }
        parent.RememberChildKey(target.Name, key);
        var opened = new OpenContainer(target, parent, key, record);
        stack.Push(opened);
        return opened;
    }

    private static bool Admit(OpenContainer container, JahisRecord record, string number, int order, bool repeats, string description, List<FormatProblem> problems)
    {
        if (order < container.LastOrder)
        {
            problems.Add(Problem(record, "OUT_OF_ORDER",
                $"{description} comes after record {container.LastNumber} at line {container.LastLine}; " +
                "records follow the order of the JAHIS layout (grouped by RP)"));
            return false;
        }
        var count = container.Count(number);
        if (count > 0 && !repeats)
        {
            problems.Add(Problem(record, "REPEATED_RECORD", $"{description} may appear only once here, but it already did at line {container.LineOf(number)}"));
            return false;
        }
        container.Add(number, order, record.Line);
        return true;
    }

    private static void CheckKey(OpenContainer container, JahisRecord record, RecordLayout recordLayout, List<FormatProblem> problems)
    {
        for (var i = 0; i < container.Layout.Key.Count; i++)
        {
            var position = container.Layout.Key[i];
            var value = record.Value(position);
            if (value != container.Key[i])
            {
                problems.Add(new FormatProblem(record.Line, record.Number, position, FieldName(recordLayout, position), "GROUP_MISMATCH",
                    $"is '{Clip(value)}' but the record {container.Opener.Number} at line {container.Opener.Line} that this record belongs to has '{container.Key[i]}'"));
            }
        }
    }

    /// <summary>On leaving a container: every record it must hold is there.</summary>
    private static void Close(OpenContainer container, FormatLayout layout, List<FormatProblem> problems)
    {
        foreach (var recordLayout in layout.Records)
        {
            if (recordLayout.In != container.Layout.Name || recordLayout.MinOccurs == 0 || container.Count(recordLayout.Number) > 0) continue;
            var where = container.Parent is null
                ? "the document"
                : $"the {Title(container.Layout)} {string.Join(",", container.Key)} that starts at line {container.Opener.Line}";
            problems.Add(new FormatProblem(container.Opener.Line, container.Parent is null ? null : container.Opener.Number, null, null, "MISSING_RECORD",
                $"{where} has no record {recordLayout}, which is required"));
        }
    }

    private static void CheckFields(JahisRecord record, RecordLayout recordLayout, FieldContext context, List<FormatProblem> problems)
    {
        var fields = recordLayout.Fields;
        for (var position = fields.Count + 1; position < record.Values.Count; position++)
        {
            // Trailing empty fields beyond the layout are tolerated (JAHIS samples carry one comma too many on record 221).
            if (record.Values[position].Length == 0) continue;
            problems.Add(new FormatProblem(record.Line, record.Number, position, null, "UNEXPECTED_FIELD",
                $"record {recordLayout} has {fields.Count} fields, but the line has a value '{Clip(record.Values[position])}' in field {position}"));
        }

        var oneOf = fields.Where(f => f.Required == FieldRequirement.OneOf).ToList();
        if (oneOf.Count > 0 && oneOf.All(f => record.Field(f.Position).Length == 0))
        {
            problems.Add(new FormatProblem(record.Line, record.Number, oneOf[0].Position, oneOf[0].Label, "REQUIRED",
                $"at least one of {string.Join(", ", oneOf.Select(f => $"field {f.Position} ({f.Label})"))} is required"));
        }

        foreach (var field in fields)
        {
            var value = record.Field(field.Position);
            // A field of blanks only is an empty field that carries blanks: required fields are not satisfied by it.
            if (value.Length > 0 && record.Value(field.Position).Length == 0)
            {
                problems.Add(FieldProblem(record, field, "SURROUNDING_BLANKS",
                    "holds only blanks; an omitted field is written empty", ProblemSeverity.Warning));
                value = "";
            }
            if (value.Length == 0)
            {
                if (IsRequired(field, record, context))
                    problems.Add(FieldProblem(record, field, "REQUIRED", RequiredMessage(field, recordLayout, context.Layout)));
                continue;
            }
            if (field.EmptyWhen is { } emptyWhen && Holds(emptyWhen, record, context))
            {
                problems.Add(FieldProblem(record, field, "MUST_BE_EMPTY",
                    $"must be empty when {Describe(emptyWhen, recordLayout, context.Layout)}",
                    emptyWhen.Warning ? ProblemSeverity.Warning : ProblemSeverity.Error));
            }
            FieldRules.Check(record, field, value, context, problems);
        }
    }

    private static bool IsRequired(FieldLayout field, JahisRecord record, FieldContext context)
    {
        if (field.SinceVersion is { } since && context.Document.Version < since) return false;
        var required = field.Required switch
        {
            FieldRequirement.Yes => true,
            FieldRequirement.ToPatient => context.Document.OutputKind == "1",
            _ => field.RequiredWhen is not null,
        };
        return required && (field.RequiredWhen is not { } when || Holds(when, record, context));
    }

    /// <summary>Whether the condition holds for this record (or, for a condition on another record, for that record in the open groups).</summary>
    private static bool Holds(FieldCondition condition, JahisRecord record, FieldContext context)
    {
        var subject = condition.Record is null ? record : context.FindOpen(condition.Record);
        return subject is not null && condition.Matches(subject.Value(condition.Field))
            && (condition.And is not { } and || Holds(and, record, context));
    }

    /// <summary>"field 5 (剤形コード / dosageFormCode) is not one of 9, 10 and record 11 field 3 (…) is one of 4".</summary>
    private static string Describe(FieldCondition condition, RecordLayout record, FormatLayout layout)
    {
        var subject = condition.Record is null
            ? $"field {condition.Field} ({FieldName(record, condition.Field)})"
            : $"record {condition.Record} field {condition.Field} ({FieldName(layout.Find(condition.Record), condition.Field)})";
        var text = $"{subject} {condition.DescribeValues()}";
        return condition.And is { } and ? $"{text} and {Describe(and, record, layout)}" : text;
    }

    private static string RequiredMessage(FieldLayout field, RecordLayout record, FormatLayout layout)
    {
        var when = field.RequiredWhen is { } condition ? $" when {Describe(condition, record, layout)}" : "";
        return field.Required switch
        {
            FieldRequirement.ToPatient => $"is required in a document from an institution or pharmacy to the patient (output kind 1){when}",
            _ => $"is required{when}",
        };
    }

    internal static FormatProblem FieldProblem(JahisRecord record, FieldLayout field, string code, string message,
        ProblemSeverity severity = ProblemSeverity.Error) =>
        new(record.Line, record.Number, field.Position, field.Label, code, message, severity);

    private static FormatProblem Problem(JahisRecord record, string code, string message) =>
        new(record.Line, record.Number, null, null, code, message);

    /// <summary>"RP" rather than "rp" in messages.</summary>
    private static string Title(ContainerLayout container) => container.Name.Length <= 2 ? container.Name.ToUpperInvariant() : container.Name;

    internal static string? FieldName(RecordLayout? record, int position) =>
        record is not null && position >= 1 && position <= record.Fields.Count ? record.Fields[position - 1].Label : null;

    private static string FormatName(JahisDocument document) =>
        document.Format == JahisFormat.Prescription ? "JAHIS prescription" : "JAHIS notebook";

    internal static string Clip(string value) => value.Length > 40 ? value[..40] + "…" : value;

    private sealed class OpenContainer(ContainerLayout layout, OpenContainer? parent, string[] key, JahisRecord opener)
    {
        private readonly Dictionary<string, (int Count, int FirstLine)> _counts = new(StringComparer.Ordinal);
        private readonly Dictionary<string, JahisRecord> _firstRecords = new(StringComparer.Ordinal);
        public Dictionary<string, HashSet<string>> ChildKeys { get; } = new(StringComparer.Ordinal);

        public ContainerLayout Layout { get; } = layout;
        public OpenContainer? Parent { get; } = parent;
        public string[] Key { get; } = key;
        public JahisRecord Opener { get; } = opener;
        public int LastOrder { get; private set; } = int.MinValue;
        public string LastNumber { get; private set; } = opener.Number;
        public int LastLine { get; private set; } = opener.Line;

        public int Count(string number) => _counts.GetValueOrDefault(number).Count;
        public int LineOf(string number) => _counts.GetValueOrDefault(number).FirstLine;

        public JahisRecord? FirstRecord(string number) => _firstRecords.GetValueOrDefault(number);

        public void Remember(JahisRecord record) => _firstRecords.TryAdd(record.Number, record);

        public void Add(string number, int order, int line)
        {
            var (count, first) = _counts.GetValueOrDefault(number);
            _counts[number] = (count + 1, count == 0 ? line : first);
            LastOrder = order;
            LastNumber = number.TrimStart('#');
            LastLine = line;
        }

        public void RememberChildKey(string container, string[] key)
        {
            if (!ChildKeys.TryGetValue(container, out var keys)) ChildKeys[container] = keys = new HashSet<string>(StringComparer.Ordinal);
            keys.Add(string.Join(',', key));
        }
    }
}

/// <summary>What a field check needs to know about the document around it.</summary>
/// <param name="FindOpen">The record of a number in the groups open around the record being checked, or null.</param>
internal sealed record FieldContext(JahisDocument Document, FormatLayout Layout, Func<string, JahisRecord?> FindOpen);

/// <summary>The outcome of validating one document.</summary>
public sealed class ValidationReport(JahisDocument document, IReadOnlyList<FormatProblem> problems)
{
    public JahisDocument Document { get; } = document;

    /// <summary>Every problem found, errors and warnings, in line order.</summary>
    public IReadOnlyList<FormatProblem> Problems { get; } = problems;

    public IEnumerable<FormatProblem> Errors => Problems.Where(p => p.Severity == ProblemSeverity.Error);

    public IEnumerable<FormatProblem> Warnings => Problems.Where(p => p.Severity == ProblemSeverity.Warning);

    public bool IsValid => !Errors.Any();
}
