using System.Data.Common;
using System.Text.Json;
using Dapper;

namespace EPrescription.Server.Outbox;

/// <summary>
/// Writes an event into the outbox table inside the caller's transaction, so the event exists exactly when the change it
/// announces was committed. The relay publishes the rows to the bus.
/// </summary>
public static class OutboxWriter
{
    public static Task AddAsync<T>(DbConnection connection, DbTransaction transaction, Guid messageId, Guid correlationId, T message, DateTime now)
        where T : notnull =>
        connection.ExecuteAsync(
            """
            INSERT INTO outbox (message_id, message_type, payload, correlation_id, created_at)
            VALUES (@messageId, @type, @payload, @correlationId, @now)
            """,
            new
            {
                messageId = messageId.ToString(),
                type = typeof(T).FullName,
                payload = JsonSerializer.Serialize(message),
                correlationId = correlationId.ToString(),
                now,
            },
            transaction);
}
