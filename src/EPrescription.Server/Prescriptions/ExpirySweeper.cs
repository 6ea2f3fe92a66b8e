using Dapper;
using EPrescription.Server.Time;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// Expires prescriptions nobody looked at after their last valid date (Japan time), so status lists and events are right
/// without waiting for the next request, and announces refills whose next use may now be received. The lifecycle decides
/// both under the row's lock, as for the lazy path, so both can run at once safely.
/// </summary>
internal sealed class ExpirySweeper(PrescriptionStore store, TimeProvider time, ILogger<ExpirySweeper> logger, IConfiguration configuration)
    : BackgroundService
{
    /// <summary>How often it runs: <c>Prescriptions:SweepInterval</c> (a TimeSpan, default one minute).</summary>
    private readonly TimeSpan _interval = configuration.GetValue("Prescriptions:SweepInterval", TimeSpan.FromMinutes(1));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var expired = await SweepAsync(stoppingToken);
                if (expired > 0) logger.LogInformation("Expired {Count} prescription(s) past their last valid date", expired);
                var due = await AnnounceDueRefillsAsync(stoppingToken);
                if (due > 0) logger.LogInformation("Announced {Count} refill use(s) whose window opened", due);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Expiry sweep failed ({Exception}); trying again in a minute", Failures.ExceptionSummary.Of(e));
            }
            try
            {
                await Task.Delay(_interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Expires every open prescription whose last valid date (the first use's validity, a refill's window end) lies before today in
    /// Japan; returns how many. The lifecycle decides each one again under its lock.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var today = JapanTime.Today(time);
        var expired = 0;
        while (true)
        {
            List<PrescriptionRow> due;
            await using (var connection = await store.Database.OpenAsync(cancellationToken))
            {
                due = (await connection.QueryAsync<PrescriptionRow>(
                    $"SELECT {PrescriptionRow.Columns} FROM prescriptions WHERE valid_through < @today ORDER BY valid_through"
                    + store.Database.Dialect.Limit("@batch"), new { today, batch = 100 })).ToList();
            }
            if (due.Count == 0) return expired;
            foreach (var row in due)
            {
                if (await store.ExpireIfDueAsync(row, null)) expired++;
            }
            if (due.Count < 100) return expired;
        }
    }

    /// <summary>
    /// Announces (RefillDue, the clinic event <c>refill-due</c>) each refill awaiting a use whose window opened today or before,
    /// once per use; returns how many. The lifecycle says when a use is due; the row is locked while it is announced.
    /// </summary>
    public async Task<int> AnnounceDueRefillsAsync(CancellationToken cancellationToken)
    {
        var today = JapanTime.Today(time);
        List<string> candidates;
        await using (var connection = await store.Database.OpenAsync(cancellationToken))
        {
            candidates = (await connection.QueryAsync<string>(
                "SELECT id FROM prescriptions WHERE status = 'awaiting-refill' AND next_due_on <= @dueBy AND refill_due_use <= uses_done",
                new { dueBy = today.AddDays(RefillWindow.DaysEitherSide) })).ToList();
        }
        var announced = 0;
        foreach (var id in candidates)
        {
            if (await store.AnnounceRefillDueAsync(id, cancellationToken)) announced++;
        }
        return announced;
    }
}
