using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using EPrescription.NotebookSync.Records;
using EPrescription.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EPrescription.NotebookSync.Webhooks;

/// <summary>
/// Posts dispensing records to the apps' webhooks: signed with the app's secret, retried with exponential back-off, in order per
/// patient (a record waits until every earlier record of the same patient for the same app is delivered), and after the last
/// attempt parked for the operator (<c>eprx deliveries parked</c> / <c>retry</c>), never dropped.
/// </summary>
internal sealed class WebhookDispatcher(Database database, IHttpClientFactory httpClients, IOptions<WebhookOptions> options,
    TimeProvider time, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "notebook-webhooks";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    internal sealed class Due
    {
        public string RecordId { get; init; } = "";
        public int Attempts { get; init; }
        public string WebhookUrl { get; init; } = "";
        public string WebhookSecret { get; init; } = "";
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var wake = new CommitWake(database);
        await RunAsync(wake, stoppingToken);
    }

    private async Task RunAsync(CommitWake wake, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                sent = await DispatchOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Webhook dispatch failed ({Exception}); trying again", EPrescription.Server.Failures.ExceptionSummary.Of(e));
            }
            if (sent > 0) continue;
            try
            {
                // Retries come due with time, found by the poll; new records of this process wake the dispatcher at once.
                await wake.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Sends every delivery that is due and not waiting behind an earlier one; returns how many were attempted.</summary>
    public async Task<int> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        List<Due> due;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            due = (await connection.QueryAsync<Due>(
                """
                SELECT d.record_id AS RecordId, d.attempts AS Attempts, c.webhook_url AS WebhookUrl, c.webhook_secret AS WebhookSecret
                FROM webhook_deliveries d JOIN clients c ON c.id = d.app_client_id
                WHERE d.status = 'pending' AND d.next_attempt_at <= @now AND (d.claimed_until IS NULL OR d.claimed_until < @now)
                  AND c.webhook_url IS NOT NULL AND c.revoked_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                                  WHERE e.app_client_id = d.app_client_id AND e.patient_key = d.patient_key
                                    AND e.feed_sequence < d.feed_sequence AND e.status <> 'delivered')
                ORDER BY d.feed_sequence
                """ + database.Dialect.Limit("@batch"), new { now, batch = 50 })).ToList();
        }

        var attempted = 0;
        // One at a time per patient is what the NOT EXISTS guarantees; apps and patients are independent of each other.
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (delivery, ct) =>
        {
            if (!await ClaimAsync(delivery.RecordId, now, ct)) return;
            Interlocked.Increment(ref attempted);
            await DeliverAsync(delivery, ct);
        });
        return attempted;
    }

    private async Task<bool> ClaimAsync(string recordId, DateTime now, CancellationToken cancellationToken)
    {
        return await database.ExecuteWriteAsync(
            "UPDATE webhook_deliveries SET claimed_until = @until WHERE record_id = @recordId AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < @now)",
            new { recordId, now, until = now + options.Value.Timeout + TimeSpan.FromSeconds(30) }, cancellationToken) == 1;
    }

    private async Task DeliverAsync(Due delivery, CancellationToken cancellationToken)
    {
        Feed.Record record;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            var row = await connection.QuerySingleAsync<Feed.Row>($"SELECT {Feed.Columns} FROM notebook_records WHERE id = @id", new { id = delivery.RecordId });
            record = Feed.ToRecord(row);
        }
        var body = JsonSerializer.SerializeToUtf8Bytes(record, Json);
        var attempt = delivery.Attempts + 1;
        string? error = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.WebhookUrl) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(delivery.WebhookSecret, body));
            request.Headers.Add(WebhookSignature.DeliveryHeader, delivery.RecordId);
            request.Headers.Add(WebhookSignature.AttemptHeader, attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.Timeout);
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode) error = $"HTTP {(int)response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            error = e is HttpRequestException ? e.Message : $"no answer within {options.Value.Timeout.TotalSeconds:0.#} s";
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (error is null)
        {
            await database.ExecuteWriteAsync(
                "UPDATE webhook_deliveries SET status = 'delivered', attempts = @attempt, delivered_at = @now, claimed_until = NULL, last_error = NULL WHERE record_id = @id",
                new { id = delivery.RecordId, attempt, now });
            return;
        }
        var parked = attempt >= options.Value.MaxAttempts;
        var delay = TimeSpan.FromTicks(Math.Min(options.Value.MaxDelay.Ticks, options.Value.BaseDelay.Ticks * (1L << Math.Min(attempt - 1, 20))));
        await database.ExecuteWriteAsync(
            """
            UPDATE webhook_deliveries SET status = @status, attempts = @attempt, next_attempt_at = @next, claimed_until = NULL,
                last_error = @error, parked_at = @parkedAt
            WHERE record_id = @id
            """,
            new { id = delivery.RecordId, status = parked ? "parked" : "pending", attempt, next = now + delay, error, parkedAt = parked ? now : (DateTime?)null });
        if (parked) logger.LogWarning("Webhook delivery {RecordId} parked after {Attempts} attempts: {Error}", delivery.RecordId, attempt, error);
    }
}
