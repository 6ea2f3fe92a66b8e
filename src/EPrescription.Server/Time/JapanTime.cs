namespace EPrescription.Server.Time;

/// <summary>
/// Business dates are dates in Japan (Asia/Tokyo). Japan has kept UTC+9 without daylight saving since 1951, so a fixed offset
/// is exact and does not depend on the machine's time-zone database.
/// </summary>
public static class JapanTime
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(9);

    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().ToOffset(Offset).DateTime);

    /// <summary>The first instant (UTC) of the day after <paramref name="date"/> in Japan: when a prescription valid through that date expires.</summary>
    public static DateTime EndOf(DateOnly date) =>
        new DateTimeOffset(date.AddDays(1).ToDateTime(TimeOnly.MinValue), Offset).UtcDateTime;
}
