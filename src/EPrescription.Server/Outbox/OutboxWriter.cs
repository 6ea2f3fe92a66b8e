using System.Data.Common;
using System.Text.Json;
using Dapper;
using EPrescription.Server.Storage;
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
    private const string Insert =
        """
        INSERT INTO outbox (message_id, message_type, payload, correlation_id, created_at, trace_parent)
        VALUES (@messageId, @type, @payload, @correlationId, @now, @traceParent)
        """;

    public static Task AddAsync<T>(DbConnection connection, DbTransaction transaction, Guid messageId, Guid correlationId, T message, DateTime now)
        where T : notnull
    {
        DomainMeters.OnCommit(transaction, typeof(T));
        var parameters = new DynamicParameters(Row(messageId, correlationId, message, now));
        var clinicEvent = ClinicEvents.From(message);
        clinicEvent?.AddTo(parameters, messageId);
        return connection.ExecuteAsync(clinicEvent is null ? Insert : Insert + ";\n" + ClinicEvents.Insert, parameters, transaction);
    }

    /// <summary>The same, as one statement of the change's <see cref="WriteBatch"/>; the message's own type names it.</summary>
    public static void Add(WriteBatch batch, Guid messageId, Guid correlationId, object message, DateTime now)
    {
        batch.Add(Insert, Row(messageId, correlationId, message, now));
        // The issuing clinic's event (SPEC §11), from the same message, in the same transaction.
        if (ClinicEvents.From(message) is { } clinicEvent) batch.Add(ClinicEvents.Insert, clinicEvent.Row(messageId));
        batch.OnExecuted(transaction => DomainMeters.OnCommit(transaction, message.GetType()));
    }

    private static object Row(Guid messageId, Guid correlationId, object message, DateTime now) => new
    {
        messageId = messageId.ToString(),
        type = message.GetType().FullName,
        payload = JsonSerializer.Serialize(message, message.GetType()),
        correlationId = correlationId.ToString(),
        now,
        traceParent = DomainTraces.CurrentTraceParent(),
    };
}
