using EPrescription.Formats.Layout;
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
        var context = new FieldContext(document, layout);

        CheckVersionRecord(document, layout, context, problems);

        var root = new OpenContainer(layout.ContainersByName["document"], null, [], document.VersionRecord);
        var stack = new Stack<OpenContainer>();
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

        return new ValidationReport(document, problems
            .OrderBy(p => p.Line).ThenBy(p => p.Field ?? 0)
            .ToList());
    }

    private static void CheckVersionRecord(JahisDocument document, FormatLayout layout, FieldContext context, List<FormatProblem> problems)
    {
        var record = document.VersionRecord;
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

        CheckKey(container, record, recordLayout, problems);

        if (recordLayout.Opens is not null && layout.ContainersByName.TryGetValue(recordLayout.Opens, out var opened))
        {
            var key = opened.Key.Select(record.Field).ToArray();
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
        var key = target.Key.Select(record.Field).ToArray();
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
            var value = record.Field(position);
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
            if (value.Length == 0)
            {
                if (IsRequired(field, record, context))
                    problems.Add(FieldProblem(record, field, "REQUIRED", RequiredMessage(field, recordLayout)));
                continue;
            }
            if (field.EmptyWhen is { } emptyWhen && emptyWhen.Matches(record.Field(emptyWhen.Field)))
            {
                problems.Add(FieldProblem(record, field, "MUST_BE_EMPTY",
                    $"must be empty when field {emptyWhen.Field} ({FieldName(recordLayout, emptyWhen.Field)}) is {record.Field(emptyWhen.Field)}"));
            }
            FieldRules.Check(record, field, value, context, problems);
        }
    }

    private static bool IsRequired(FieldLayout field, JahisRecord record, FieldContext context) => field.Required switch
    {
        FieldRequirement.Yes => true,
        FieldRequirement.ToPatient => context.Document.OutputKind == "1",
        _ => field.RequiredWhen is { } when && when.Matches(record.Field(when.Field)),
    } && !(field.SinceVersion is { } since && context.Document.Version < since);

    private static string RequiredMessage(FieldLayout field, RecordLayout record) => field.Required switch
    {
        FieldRequirement.ToPatient => "is required in a document from an institution or pharmacy to the patient (output kind 1)",
        FieldRequirement.Yes => "is required",
        _ => $"is required when field {field.RequiredWhen!.Field} ({FieldName(record, field.RequiredWhen.Field)}) is one of {string.Join(", ", field.RequiredWhen.In)}",
    };

    internal static FormatProblem FieldProblem(JahisRecord record, FieldLayout field, string code, string message,
        ProblemSeverity severity = ProblemSeverity.Error) =>
        new(record.Line, record.Number, field.Position, field.Label, code, message, severity);

    private static FormatProblem Problem(JahisRecord record, string code, string message) =>
        new(record.Line, record.Number, null, null, code, message);

    /// <summary>"RP" rather than "rp" in messages.</summary>
    private static string Title(ContainerLayout container) => container.Name.Length <= 2 ? container.Name.ToUpperInvariant() : container.Name;

    private static string? FieldName(RecordLayout record, int position) =>
        position >= 1 && position <= record.Fields.Count ? record.Fields[position - 1].Label : null;

    private static string FormatName(JahisDocument document) =>
        document.Format == JahisFormat.Prescription ? "JAHIS prescription" : "JAHIS notebook";

    internal static string Clip(string value) => value.Length > 40 ? value[..40] + "…" : value;

    private sealed class OpenContainer(ContainerLayout layout, OpenContainer? parent, string[] key, JahisRecord opener)
    {
        private readonly Dictionary<string, (int Count, int FirstLine)> _counts = new(StringComparer.Ordinal);
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
internal sealed record FieldContext(JahisDocument Document, FormatLayout Layout);

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
