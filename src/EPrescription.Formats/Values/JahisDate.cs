using System.Globalization;
using EPrescription.Formats.Layout;

namespace EPrescription.Formats.Values;

/// <summary>
/// A JAHIS date: Gregorian YYYYMMDD or a Japanese-era GYYMMDD, where G is a digit (1 明治 Meiji … 5 令和 Reiwa) in the
/// prescription format and a letter (M T S H R) in the notebook format. Birth dates in prescriptions may lack the day or month.
/// </summary>
public readonly record struct JahisDate(int Year, int? Month, int? Day)
{
    private static readonly (char Digit, char Letter, string Name, int Offset, DateOnly Start)[] Eras =
    [
        ('1', 'M', "明治 Meiji", 1867, new DateOnly(1868, 1, 25)),
        ('2', 'T', "大正 Taisho", 1911, new DateOnly(1912, 7, 30)),
        ('3', 'S', "昭和 Showa", 1925, new DateOnly(1926, 12, 25)),
        ('4', 'H', "平成 Heisei", 1988, new DateOnly(1989, 1, 8)),
        ('5', 'R', "令和 Reiwa", 2018, new DateOnly(2019, 5, 1)),
    ];

    public bool IsComplete => Month is not null && Day is not null;

    /// <summary>The calendar date; only for a complete date.</summary>
    public DateOnly ToDateOnly() => IsComplete
        ? new DateOnly(Year, Month!.Value, Day!.Value)
        : throw new InvalidOperationException("The date is partial (year, or year and month only): it has no calendar date.");

    public static JahisDate From(DateOnly date) => new(date.Year, date.Month, date.Day);

    /// <summary>YYYYMMDD (or YYYYMM / YYYY for a partial date): how this project writes dates.</summary>
    public override string ToString() =>
        Year.ToString("D4", CultureInfo.InvariantCulture)
        + (Month is { } m ? m.ToString("D2", CultureInfo.InvariantCulture) : "")
        + (Day is { } d ? d.ToString("D2", CultureInfo.InvariantCulture) : "");

    /// <summary>Throws a <see cref="FormatException"/> that states the rule without quoting the value (it may be a birth date).</summary>
    public static JahisDate Parse(string value, EraStyle eraStyle, bool allowPartial = false) =>
        TryParse(value, eraStyle, allowPartial, out var date, out _)
            ? date
            : throw new FormatException(allowPartial
                ? "The text is not a JAHIS date: YYYYMMDD, YYYYMM, YYYY or an era date GYYMMDD, GYYMM, GYY, a real calendar date within its era."
                : "The text is not a complete JAHIS date: YYYYMMDD or an era date GYYMMDD, a real calendar date within its era.");

    public static bool TryParse(string value, EraStyle eraStyle, bool allowPartial, out JahisDate date, out string error)
    {
        date = default;
        error = "";
        var example = eraStyle == EraStyle.Digit ? "20250610 or 5070610" : "20250610 or R070610";
        int year;
        string rest;
        string? eraName = null;
        DateOnly? eraStart = null;

        if (value.Length is 8 or 6 or 4 && value.All(char.IsAsciiDigit))
        {
            year = int.Parse(value[..4], CultureInfo.InvariantCulture);
            rest = value[4..];
        }
        else if (value.Length is 7 or 5 or 3 && value[1..].All(char.IsAsciiDigit))
        {
            var eraIndex = Array.FindIndex(Eras, e => (eraStyle == EraStyle.Digit ? e.Digit : e.Letter) == value[0]);
            if (eraIndex < 0)
            {
                error = eraStyle == EraStyle.Digit
                    ? $"'{value}' has era digit '{value[0]}'; use 1 明治, 2 大正, 3 昭和, 4 平成 or 5 令和 (e.g. {example})"
                    : $"'{value}' has era letter '{value[0]}'; use M, T, S, H or R (e.g. {example})";
                return false;
            }
            var era = Eras[eraIndex];
            var eraYear = int.Parse(value.AsSpan(1, 2), CultureInfo.InvariantCulture);
            if (eraYear == 0)
            {
                error = $"'{value}' has era year 00; era years start at 01";
                return false;
            }
            year = era.Offset + eraYear;
            rest = value[3..];
            eraName = era.Name;
            eraStart = era.Start;
        }
        else
        {
            error = $"'{Clip(value)}' is not a date; write YYYYMMDD or the era form GYYMMDD (e.g. {example})";
            return false;
        }

        if (rest.Length < 4 && !allowPartial)
        {
            error = $"'{value}' is not a complete date; write YYYYMMDD or GYYMMDD (e.g. {example})";
            return false;
        }

        int? month = rest.Length >= 2 ? int.Parse(rest[..2], CultureInfo.InvariantCulture) : null;
        int? day = rest.Length >= 4 ? int.Parse(rest[2..4], CultureInfo.InvariantCulture) : null;
        if (year < 1868 || month is < 1 or > 12 || day is not null && (day < 1 || day > DateTime.DaysInMonth(year, month!.Value)))
        {
            error = $"'{value}' is not a real calendar date";
            return false;
        }
        date = new JahisDate(year, month, day);
        if (eraStart is { } start && date.IsComplete)
        {
            var calendarDate = date.ToDateOnly();
            var next = Eras.Select(e => e.Start).Where(s => s > start).Cast<DateOnly?>().FirstOrDefault();
            if (calendarDate < start)
            {
                error = $"'{value}' lies before the start of the {eraName} era ({start:yyyy-MM-dd})";
                return false;
            }
            if (next is { } end && calendarDate >= end)
            {
                error = $"'{value}' lies after the end of the {eraName} era (the next era began {end:yyyy-MM-dd})";
                return false;
            }
        }
        return true;
    }

    private static string Clip(string value) => value.Length > 20 ? value[..20] + "…" : value;
}
