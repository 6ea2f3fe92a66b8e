using System.Data.Common;
using System.Text.Json;
using Dapper;
using EPrescription.Server.Feedback;
using EPrescription.Server.Telemetry;

namespace EPrescription.Server.Outbox;

/// <summary>
/// Writes an event into the outbox table inside the caller's transaction, so the event exists exactly when the change it
/// announces was committed. The relay publishes the rows to the bus. The row keeps the writer's trace (W3C traceparent), so the
/// publish continues it, and the change is counted in the domain's metrics when the transaction commits. An event the issuing
/// clinic is told of (<see cref="ClinicEvents.From"/>) goes into its event feed in the same command.
/// </summary>
public static class OutboxWriter
{
    private const string InsertOutbox =
        """
        INSERT INTO outbox (message_id, message_type, payload, correlation_id, created_at, trace_parent)
        VALUES (@messageId, @type, @payload, @correlationId, @now, @traceParent)
        """;

    public static Task AddAsync<T>(DbConnection connection, DbTransaction transaction, Guid messageId, Guid correlationId, T message, DateTime now)
        where T : notnull
    {
        DomainMeters.OnCommit(transaction, typeof(T));
        var parameters = new DynamicParameters(new
        {
            messageId = messageId.ToString(),
            type = typeof(T).FullName,
            payload = JsonSerializer.Serialize(message),
            correlationId = correlationId.ToString(),
            now,
            traceParent = DomainTraces.CurrentTraceParent(),
        });
        var clinicEvent = ClinicEvents.From(message);
        clinicEvent?.AddTo(parameters, messageId);
        return connection.ExecuteAsync(clinicEvent is null ? InsertOutbox : InsertOutbox + ";\n" + ClinicEvents.Insert, parameters, transaction);
    }
}
