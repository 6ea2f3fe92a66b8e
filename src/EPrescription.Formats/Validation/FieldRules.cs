using System.Globalization;
using EPrescription.Formats.Layout;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Formats.Values;

namespace EPrescription.Formats.Validation;

/// <summary>The checks of one non-empty field value: type, length, code list and named format.</summary>
internal static class FieldRules
{
    public static void Check(JahisRecord record, FieldLayout field, string value, FieldContext context, List<FormatProblem> problems)
    {
        if (field.SinceVersion is { } since && context.Document.Version < since)
        {
            problems.Add(JahisValidator.FieldProblem(record, field, "NOT_IN_VERSION",
                $"exists only from version {since} on, but the document is version {context.Document.Version}", ProblemSeverity.Warning));
        }

        // Only blanks are trimmed, the same way the typed readers trim (JahisRecord.Value): a CR or a tab around a value is
        // a control character, not a blank, and a reader would otherwise meet it inside the value.
        if (value.Trim(JahisText.Blanks).Length != value.Length)
        {
            // JAHIS: no leading or trailing blanks inside a field. Real producers emit them, so readers accept them.
            problems.Add(JahisValidator.FieldProblem(record, field, "SURROUNDING_BLANKS",
                "has blanks before or after the value; JAHIS fields carry none", ProblemSeverity.Warning));
            value = value.Trim(JahisText.Blanks);
            if (value.Length == 0) return;
        }

        if (value.Any(char.IsControl) || value.Contains('\uFFFD'))
        {
            problems.Add(JahisValidator.FieldProblem(record, field, "INVALID_CHARACTER", ControlCharacterMessage(value)));
            return;
        }
        if (value.Any(JahisText.IsPrivateUse))
        {
            problems.Add(JahisValidator.FieldProblem(record, field, "INVALID_CHARACTER",
                "contains a user-defined character (外字) or a byte Shift_JIS does not define; JAHIS forbids 外字: write ■ in its place"));
            return;
        }

        if (!CheckType(record, field, value, problems)) return;

        var chars = value.EnumerateRunes().Count();
        if (field.ExactLength is { } exact && chars != exact)
        {
            problems.Add(JahisValidator.FieldProblem(record, field, "WRONG_LENGTH", $"'{JahisValidator.Clip(value)}' has {chars} characters; it must have exactly {exact}"));
        }
        else if (field.MaxChars is { } maxChars && chars > maxChars)
        {
            problems.Add(JahisValidator.FieldProblem(record, field, "TOO_LONG", $"has {chars} characters; at most {maxChars} are allowed"));
        }
        else if (field.MaxBytes is { } maxBytes && JahisText.Cp932ByteCount(value) is var bytes && bytes > maxBytes)
        {
            problems.Add(JahisValidator.FieldProblem(record, field, "TOO_LONG",
                $"takes {bytes} bytes in Shift_JIS; at most {maxBytes} are allowed (a full-width character takes 2)"));
        }

        if (field.Type == FieldType.N && !JahisText.IsCp932Representable(value))
        {
            problems.Add(JahisValidator.FieldProblem(record, field, "NOT_SHIFT_JIS",
                "contains characters Shift_JIS (CP932) lacks; they are written as ■", ProblemSeverity.Warning));
        }

        if (field.Codes is { } listName && context.Layout.CodeLists.TryGetValue(listName, out var list) && !list.Values.ContainsKey(value))
        {
            problems.Add(JahisValidator.FieldProblem(record, field, "UNKNOWN_CODE",
                $"'{JahisValidator.Clip(value)}' is not a code of {list.Title} ({listName}); allowed: {Allowed(list)}"));
        }

        if (field.Format is { } format)
        {
            var message = FormatMessage(format, value, context.Layout.EraStyle);
            if (message is not null) problems.Add(JahisValidator.FieldProblem(record, field, FormatCode(format), message));
        }

        if (field.Type == FieldType.Digits) CheckRange(record, field, value, context, problems);
    }

    /// <summary>The message for a value with a control character, an undecodable byte among them.</summary>
    internal static string ControlCharacterMessage(string value) => value.Contains('\r')
        ? "contains a carriage return (CR): a record ends with CR LF (or LF alone), not CR CR LF or CR alone"
        : "contains a control character or an undecodable byte";

    /// <summary>minValue and atMostField: e.g. 911's データ連番 is 1 or more and no more than its 分割数.</summary>
    private static void CheckRange(JahisRecord record, FieldLayout field, string value, FieldContext context, List<FormatProblem> problems)
    {
        if (field.MinValue is { } min && CompareDigits(value, min.ToString(CultureInfo.InvariantCulture)) < 0)
        {
            problems.Add(JahisValidator.FieldProblem(record, field, "OUT_OF_RANGE", $"must be {min} or more"));
        }
        if (field.AtMostField is { } other && record.Value(other) is { Length: > 0 } limit && limit.All(char.IsAsciiDigit)
            && CompareDigits(value, limit) > 0)
        {
            problems.Add(JahisValidator.FieldProblem(record, field, "OUT_OF_RANGE",
                $"must not exceed field {other} ({JahisValidator.FieldName(context.Layout.Find(record.Number), other)})"));
        }
    }

    /// <summary>Compares two digit strings as numbers, whatever their length and leading zeros.</summary>
    private static int CompareDigits(string a, string b)
    {
        a = a.TrimStart('0');
        b = b.TrimStart('0');
        return a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
    }

    private static bool CheckType(JahisRecord record, FieldLayout field, string value, List<FormatProblem> problems)
    {
        switch (field.Type)
        {
            case FieldType.Digits when !value.All(char.IsAsciiDigit):
                // Era dates (GYYMMDD) carry a letter in the notebook format; the date check reports those.
                if (field.Format is FieldFormat.Date or FieldFormat.PartialDate) return true;
                problems.Add(JahisValidator.FieldProblem(record, field, "NOT_DIGITS", $"'{JahisValidator.Clip(value)}' must contain digits only (type 9)"));
                return false;
            case FieldType.X when !value.All(JahisText.IsSingleByte):
                problems.Add(JahisValidator.FieldProblem(record, field, "NOT_SINGLE_BYTE",
                    $"'{JahisValidator.Clip(value)}' must contain single-byte characters only (type X: ASCII letters, digits and symbols, half-width katakana)"));
                return false;
            default:
                return true;
        }
    }

    private static string Allowed(CodeList list)
    {
        var codes = list.Values.Keys.ToList();
        return codes.Count <= 12 ? string.Join(", ", codes.Select(c => $"{c} {list.Values[c]}")) : $"{codes.First()} … {codes.Last()}";
    }

    private static string FormatCode(FieldFormat format) => format switch
    {
        FieldFormat.Date or FieldFormat.PartialDate => "INVALID_DATE",
        FieldFormat.InsurerNumber => "CHECK_DIGIT",
        _ => "INVALID_FORMAT",
    };

    /// <summary>Null when the value fits the format, else what is wrong.</summary>
    internal static string? FormatMessage(FieldFormat format, string value, EraStyle eraStyle) => format switch
    {
        FieldFormat.Date => JahisDate.TryParse(value, eraStyle, allowPartial: false, out _, out var error) ? null : error,
        FieldFormat.PartialDate => JahisDate.TryParse(value, eraStyle, allowPartial: true, out _, out var error) ? null : error,
        FieldFormat.Quantity => Quantity.IsCanonical(value) ? null :
            $"'{JahisValidator.Clip(value)}' is not a JAHIS quantity: up to 6 integer digits and 5 decimals, no leading zero, no trailing decimal zero (e.g. 3, 0.25, 1.5)",
        FieldFormat.PostalCode => value.Length == 8 && value[3] == '-' && value.Remove(3, 1).All(char.IsAsciiDigit) ? null :
            $"'{JahisValidator.Clip(value)}' is not a postal code in the form NNN-NNNN",
        FieldFormat.InsurerNumber => InsurerNumber.Problem(value),
        FieldFormat.Weight => IsWeight(value) ? null : $"'{JahisValidator.Clip(value)}' is not a weight in kg with up to 3 integer digits and 3 decimals (e.g. 63.7)",
        _ => null,
    };

    private static bool IsWeight(string value)
    {
        var parts = value.Split('.');
        return parts.Length <= 2 && parts[0].Length is >= 1 and <= 3 && parts[0].All(char.IsAsciiDigit)
            && (parts.Length == 1 || parts[1].Length is >= 1 and <= 3 && parts[1].All(char.IsAsciiDigit));
    }
}
