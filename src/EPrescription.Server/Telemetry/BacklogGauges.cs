using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dapper;
using EPrescription.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EPrescription.Server.Telemetry;

/// <summary>Configuration section "Telemetry:Backlog".</summary>
public sealed class BacklogOptions
{
    /// <summary>How often the backlog is counted (real time). Zero turns the backlog gauges off.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Count the outbox; by default where the process runs the outbox relay (Bus:RunPrescriptionServer).</summary>
    public bool? Outbox { get; set; }

    /// <summary>Count the webhook deliveries; by default where the process runs the webhook dispatcher (Bus:RunNotebookSync).</summary>
    public bool? Webhooks { get; set; }
}

/// <summary>
/// The backlog as gauges: outbox events waiting to be published and the age of the oldest; webhook deliveries pending and
/// parked, and the age of the oldest of each. A background loop counts them every <see cref="BacklogOptions.Interval"/> with
/// two indexed aggregate queries, and a scrape only reads the last counts: a scrape never touches the database, so it stays
/// cheap and answers while the database is down. Counts older than three intervals (the database stopped answering) are not
/// reported at all rather than reported stale.
/// </summary>
public sealed class BacklogGauges : BackgroundService
{
    private readonly Database _database;
    private readonly TimeProvider _time;
    private readonly ILogger<BacklogGauges> _logger;
    private readonly BacklogOptions _options;
    private volatile Sample? _last;

    private sealed record Sample(long TakenAt, long OutboxWaiting, double OutboxOldestAge, long Pending, double PendingOldestAge, long Parked, double ParkedOldestAge);

    private sealed class Counts
    {
        public string? Status { get; init; }
        public long Waiting { get; init; }
        public DateTime? Oldest { get; init; }
    }

    public BacklogGauges(Database database, TimeProvider time, ILogger<BacklogGauges> logger, IOptions<BacklogOptions> options, IMeterFactory meters)
    {
        _database = database;
        _time = time;
        _logger = logger;
        _options = options.Value;
        // A meter of this service instance (disposed with it), so a second instance in one process reports its own database.
        var meter = meters.Create(DomainMeters.MeterName);
        var on = _options.Interval > TimeSpan.Zero;
        if (on && _options.Outbox == true)
        {
            meter.CreateObservableGauge("eprx.outbox.waiting", () => Observe(s => s.OutboxWaiting), "{event}",
                "Events written to the outbox and not yet published to the bus");
            meter.CreateObservableGauge("eprx.outbox.oldest.age", () => Observe(s => s.OutboxOldestAge), "s",
                "Age of the oldest unpublished outbox event (0 when none waits)");
        }
        if (on && _options.Webhooks == true)
        {
            meter.CreateObservableGauge("eprx.webhooks.pending", () => Observe(s => s.Pending), "{delivery}",
                "Webhook deliveries not yet accepted by the app (first attempts and retries)");
            meter.CreateObservableGauge("eprx.webhooks.pending.oldest.age", () => Observe(s => s.PendingOldestAge), "s",
                "Age of the record behind the oldest pending webhook delivery (0 when none is pending)");
            meter.CreateObservableGauge("eprx.webhooks.parked", () => Observe(s => s.Parked), "{delivery}",
                "Webhook deliveries parked after their last attempt, waiting for the operator (eprx deliveries retry)");
            meter.CreateObservableGauge("eprx.webhooks.parked.oldest.age", () => Observe(s => s.ParkedOldestAge), "s",
                "How long the oldest parked delivery has been parked (0 when none is)");
        }
    }

    private IEnumerable<Measurement<T>> Observe<T>(Func<Sample, T> value) where T : struct
    {
        var sample = _last;
        if (sample is null || Stopwatch.GetElapsedTime(sample.TakenAt) > 3 * _options.Interval) return [];
        return [new Measurement<T>(value(sample))];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Interval <= TimeSpan.Zero || !(_options.Outbox == true || _options.Webhooks == true)) return;
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _last = await CountAsync(stoppingToken);
                failing = false;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Once per outage: the health check and the 503s already say the database is down.
                if (!failing) _logger.LogWarning("Could not count the backlog for the metrics ({Error}); the backlog gauges are left out until it can", e.Message);
                failing = true;
            }
            try
            {
                await Task.Delay(_options.Interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<Sample> CountAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        await using var connection = await _database.OpenAsync(cancellationToken);
        Counts outbox = new();
        if (_options.Outbox == true)
        {
            // ix_outbox_unpublished (published_at, id) answers this from the unpublished rows alone.
            outbox = await connection.QuerySingleAsync<Counts>(new CommandDefinition(
                "SELECT COUNT(*) AS Waiting, MIN(created_at) AS Oldest FROM outbox WHERE published_at IS NULL", cancellationToken: cancellationToken));
        }
        List<Counts> deliveries = [];
        if (_options.Webhooks == true)
        {
            // ix_webhook_deliveries_due (status, next_attempt_at) finds the pending and parked rows; delivered ones are not read.
            deliveries = (await connection.QueryAsync<Counts>(new CommandDefinition(
                """
                SELECT d.status AS Status, COUNT(*) AS Waiting,
                       MIN(CASE WHEN d.status = 'parked' THEN d.parked_at ELSE r.created_at END) AS Oldest
                FROM webhook_deliveries d JOIN notebook_records r ON r.id = d.record_id
                WHERE d.status IN ('pending', 'parked')
                GROUP BY d.status
                """, cancellationToken: cancellationToken))).ToList();
        }
        var pending = deliveries.FirstOrDefault(d => d.Status == "pending") ?? new Counts();
        var parked = deliveries.FirstOrDefault(d => d.Status == "parked") ?? new Counts();
        return new Sample(Stopwatch.GetTimestamp(), outbox.Waiting, Age(outbox.Oldest), pending.Waiting, Age(pending.Oldest), parked.Waiting, Age(parked.Oldest));

        double Age(DateTime? oldest) => oldest is { } at ? Math.Max(0, (now - at).TotalSeconds) : 0;
    }
}
