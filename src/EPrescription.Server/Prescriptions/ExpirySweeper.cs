using Dapper;
using EPrescription.Server.Time;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// Expires prescriptions nobody looked at after their last valid date (Japan time), so status lists and events are right
/// without waiting for the next request. The same transition the lazy path uses, so both can run at once safely.
/// </summary>
internal sealed class ExpirySweeper(PrescriptionStore store, TimeProvider time, ILogger<ExpirySweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var expired = await SweepAsync(stoppingToken);
                if (expired > 0) logger.LogInformation("Expired {Count} prescription(s) past their last valid date", expired);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Expiry sweep failed ({Exception}); trying again in a minute", Failures.ExceptionSummary.Of(e));
            }
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
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
}
