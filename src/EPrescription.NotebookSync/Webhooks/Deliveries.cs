using Dapper;
using EPrescription.Server.Storage;

namespace EPrescription.NotebookSync.Webhooks;

/// <summary>The operator's view of webhook deliveries that kept failing, and the way to send them again.</summary>
public sealed class Deliveries(Database database)
{
    public sealed class Parked
    {
        public string RecordId { get; init; } = "";
        public string AppClientId { get; init; } = "";
        public string? AppName { get; init; }
        public string? WebhookUrl { get; init; }
        public int Attempts { get; init; }
        public string? LastError { get; init; }
        public DateTime? ParkedAt { get; init; }
    }

    public async Task<IReadOnlyList<Parked>> ParkedAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<Parked>(
            """
            SELECT d.record_id AS RecordId, d.app_client_id AS AppClientId, c.name AS AppName, c.webhook_url AS WebhookUrl,
                   d.attempts AS Attempts, d.last_error AS LastError, d.parked_at AS ParkedAt
            FROM webhook_deliveries d JOIN clients c ON c.id = d.app_client_id
            WHERE d.status = 'parked' ORDER BY d.feed_sequence
            """)).ToList();
    }

    /// <summary>Queues parked deliveries again (one, or all when <paramref name="recordId"/> is null); returns how many.</summary>
    public async Task<int> RetryAsync(string? recordId, DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            """
            UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = @now, parked_at = NULL, claimed_until = NULL
            WHERE status = 'parked' AND (@recordId IS NULL OR record_id = @recordId)
            """, new { recordId, now });
    }
}
