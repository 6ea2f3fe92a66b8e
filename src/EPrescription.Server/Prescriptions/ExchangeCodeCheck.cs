using System.Data.Common;
using EPrescription.Server.Storage;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// The exchange code (引換番号) guards a prescription wherever someone presents it: a pharmacy receiving it, a notebook app
/// linking the patient. A wrong code answers exactly like an unknown prescription ID (no oracle) and counts: five wrong codes
/// lock the prescription for 15 minutes (TOO_MANY_ATTEMPTS), even for the right code. The count is written in the caller's
/// transaction, so it survives the refusal.
/// </summary>
public static class ExchangeCodeCheck
{
    public const int MaxWrongCodes = 5;
    public static readonly TimeSpan Lockout = TimeSpan.FromMinutes(15);

    /// <summary>In a transaction of its own writes (a notebook link): the count is written before a refusal is thrown.</summary>
    internal static async Task VerifyAsync(DbConnection connection, DbTransaction transaction, PrescriptionRow row, string? presented,
        string presentedId, DateTime now)
    {
        var batch = new WriteBatch();
        try
        {
            Verify(batch, row, presented, presentedId, now);
        }
        finally
        {
            await batch.ExecuteAsync(connection, transaction);
        }
    }

    /// <summary>
    /// Checks the presented code; the count of wrong codes (or its reset) goes into <paramref name="batch"/>, which the caller
    /// executes whether or not this throws PRESCRIPTION_NOT_FOUND or TOO_MANY_ATTEMPTS.
    /// </summary>
    internal static void Verify(WriteBatch batch, PrescriptionRow row, string? presented, string presentedId, DateTime now)
    {
        if (row.LockedUntil is { } lockedUntil && lockedUntil > now)
        {
            var seconds = (int)Math.Ceiling((lockedUntil - now).TotalSeconds);
            throw new DomainException(ErrorCodes.TooManyAttempts,
                $"Too many wrong exchange codes were entered for this prescription; it is locked for {(seconds + 59) / 60} more minute(s).",
                extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
        }

        if (ExchangeCode.TryParse(row.ExchangeCode, out var expected) && expected.Matches(presented?.Trim()))
        {
            if (row.FailedAttempts > 0 || row.LockedUntil is not null)
            {
                batch.Add("UPDATE prescriptions SET failed_attempts = 0, locked_until = NULL WHERE id = @id", new { id = row.Id });
                row.FailedAttempts = 0;
                row.LockedUntil = null;
            }
            return;
        }

        // A lock that has run out starts the count afresh.
        var attempts = (row.LockedUntil is not null ? 0 : row.FailedAttempts) + 1;
        var locks = attempts >= MaxWrongCodes;
        batch.Add(
            "UPDATE prescriptions SET failed_attempts = @attempts, locked_until = @lockedUntil WHERE id = @id",
            new { attempts = locks ? 0 : attempts, lockedUntil = locks ? now + Lockout : (DateTime?)null, id = row.Id });
        throw GetStatus.NotFound(presentedId);
    }
}
