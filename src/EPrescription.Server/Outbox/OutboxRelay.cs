using System.Text.Json;
using Dapper;
using EPrescription.Contracts;
using EPrescription.Server.Failures;
using EPrescription.Server.Storage;
using EPrescription.Server.Telemetry;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EPrescription.Server.Outbox;

/// <summary>
/// Publishes what the transactions wrote to the outbox. A row stays until the broker has confirmed it, then is marked published;
/// a failed publish keeps the row and tries again with back-off, so a broker outage delays events but loses none. Several
/// relays (processes) may run at once: each claims its rows first, skipping rows another holds. A claim is short and renewed
/// while the relay works on the batch, so rows claimed by a relay that died or lost the database are taken over by another
/// within a few seconds (<see cref="ClaimFor"/>).
/// </summary>
public sealed class OutboxRelay(Database database, IBus bus, TimeProvider time, ILogger<OutboxRelay> logger,
    Microsoft.Extensions.Options.IOptions<Messaging.BusOptions> options) : BackgroundService
{
    private const int BatchSize = 100;
    /// <summary>How long a claim holds without renewal: what a dead relay's rows wait before another relay publishes them.</summary>
    public static readonly TimeSpan ClaimFor = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(1.5);
    // Names this relay in claimed rows, so an operator can tell which process holds them.
    private readonly string _relayId = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    internal sealed class OutboxRow
    {
        public long Id { get; init; }
        public string MessageId { get; init; } = "";
        public string MessageType { get; init; } = "";
        public string Payload { get; init; } = "";
        public string? CorrelationId { get; init; }
        public string? TraceParent { get; init; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var wake = new CommitWake(database);
        await RunAsync(wake, stoppingToken);
    }

    private async Task RunAsync(CommitWake wake, CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            int published;
            try
            {
                published = await RelayOnceAsync(stoppingToken);
                failures = 0;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                failures++;
                published = 0;
                logger.LogWarning("Outbox relay could not reach the database or the broker ({Exception}); retrying", ExceptionSummary.Of(e));
            }
            if (published == BatchSize) continue; // more waiting: go on at once
            var delay = failures == 0 ? options.Value.OutboxPollInterval : TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, Math.Min(failures, 7))));
            try
            {
                // Rows written by other processes are found by the poll; this process's own commits wake the relay at once.
                if (failures == 0) await wake.WaitAsync(delay, stoppingToken);
                else await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Claims and publishes one batch; returns how many were published.</summary>
    public async Task<int> RelayOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var rows = await database.InBookkeepingTransactionAsync(async (connection, transaction) =>
            (await connection.QueryAsync<OutboxRow>(database.Dialect.ClaimOutbox,
                new { me = _relayId, until = now + ClaimFor, now, batch = BatchSize }, transaction)).OrderBy(r => r.Id).ToList(), cancellationToken);

        if (rows.Count == 0) return 0;

        // While this relay works on the batch it renews the claim; if it cannot (it lost the database), it stops publishing, since
        // another relay will take the rows over once the claim runs out.
        using var working = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewing = RenewAsync(rows.Select(r => r.Id).ToList(), working);

        // The batch is published concurrently: each publish waits for the broker's confirm, which for a quorum queue is a disk
        // write on the broker, so one at a time the relay would publish a few dozen events a second. Consumers never relied on
        // the order between events (competing consumers take them in any order; the notebook sync catches up earlier ones).
        // Published rows are marked together, one commit per batch. A crash between publishing and marking republishes them:
        // consumers record processed message ids, so that changes nothing. A row whose publish failed is kept for a retry after
        // a pause, by this or another relay.
        var published = new List<long>(rows.Count);
        var failed = new List<(long Id, string Error)>();
        try
        {
            var outcomes = await Task.WhenAll(rows.Select(row => PublishAsync(row, working.Token)));
            foreach (var (row, error) in rows.Zip(outcomes))
            {
                if (error is null) published.Add(row.Id);
                else failed.Add((row.Id, error));
            }
        }
        finally
        {
            await working.CancelAsync();
            await renewing;
            if (published.Count > 0)
                await MarkAsync($"UPDATE outbox SET published_at = @now, claimed_by = NULL, last_error = NULL WHERE {database.Dialect.InList("id", "@ids")} AND claimed_by = @me",
                    new { ids = published }, CancellationToken.None);
        }
        if (failed.Count > 0)
        {
            foreach (var (id, error) in failed)
                await MarkAsync("UPDATE outbox SET claimed_until = @retryAt, last_error = @error WHERE id = @id AND claimed_by = @me",
                    new { id, error }, cancellationToken);
            throw new OutboxPublishException($"{failed.Count} of {rows.Count} event(s) could not be published: {failed[0].Error}");
        }
        return published.Count;
    }

    /// <summary>Publishes one row's event; null when the broker confirmed it, else what went wrong (type and place, never the message).</summary>
    private async Task<string?> PublishAsync(OutboxRow row, CancellationToken working)
    {
        try
        {
            var type = typeof(PrescriptionRegistered).Assembly.GetType(row.MessageType)
                ?? throw new InvalidOperationException($"Unknown message type {row.MessageType}");
            var message = JsonSerializer.Deserialize(row.Payload, type)!;
            using var trace = DomainTraces.StartPublish(row.TraceParent, type.Name);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(working);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            await bus.Publish(message, type, context =>
            {
                context.MessageId = Guid.Parse(row.MessageId);
                if (Guid.TryParse(row.CorrelationId, out var correlation)) context.CorrelationId = correlation;
            }, timeout.Token);
            return null;
        }
        catch (Exception e) when (!working.IsCancellationRequested || e is not OperationCanceledException)
        {
            return ExceptionSummary.Of(e);
        }
    }

    /// <summary>Extends this relay's claim on <paramref name="ids"/> until <paramref name="working"/> ends; cancels it when renewing fails.</summary>
    private async Task RenewAsync(List<long> ids, CancellationTokenSource working)
    {
        try
        {
            while (true)
            {
                await Task.Delay(RenewEvery, time, working.Token);
                var values = new DynamicParameters(new { ids, me = _relayId });
                values.Add("until", time.GetUtcNow().UtcDateTime + ClaimFor);
                await database.ExecuteWriteAsync(
                    $"UPDATE outbox SET claimed_until = @until WHERE {database.Dialect.InList("id", "@ids")} AND claimed_by = @me AND published_at IS NULL",
                    values, working.Token);
            }
        }
        catch (OperationCanceledException) when (working.IsCancellationRequested)
        {
            // The batch is done.
        }
        catch (Exception e)
        {
            logger.LogWarning("Outbox relay could not renew its claim ({Exception}); leaving the batch to another relay", ExceptionSummary.Of(e));
            await working.CancelAsync();
        }
    }

    private async Task MarkAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        var values = new DynamicParameters(parameters);
        var now = time.GetUtcNow().UtcDateTime;
        values.Add("me", _relayId);
        values.Add("now", now);
        values.Add("retryAt", now + TimeSpan.FromSeconds(2));
        await database.ExecuteWriteAsync(sql, values, cancellationToken);
    }
}

/// <summary>Some events of a batch could not be published; they stay in the outbox for a later attempt.</summary>
public sealed class OutboxPublishException(string message) : Exception(message);
