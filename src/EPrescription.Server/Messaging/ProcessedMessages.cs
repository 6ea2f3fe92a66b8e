using System.Data.Common;
using System.Text.Json;
using Dapper;
using EPrescription.Contracts;
using EPrescription.Server.Storage;

namespace EPrescription.Server.Messaging;

/// <summary>
/// Exactly-once effects for at-least-once delivery: a command's effect, its reply and the record that the message was handled
/// are written in one transaction. A redelivered message finds the record and gets the same reply, and nothing happens twice.
/// Refusals are recorded too, because some change state (a wrong exchange code counts toward the lockout). The command's audit
/// entry is written in the same transaction, whatever the outcome, so a change never exists without its entry and a redelivery
/// adds none.
/// </summary>
public sealed class ProcessedMessages(Database database, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private static readonly Dictionary<string, Type> ReplyTypes = new[]
    {
        typeof(PrescriptionHandedOver), typeof(PrescriptionStatusChanged), typeof(DispensingAccepted), typeof(PrescriptionRequestRefused),
    }.ToDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>
    /// Runs <paramref name="work"/> for the message once: inside one transaction with the processed-message record and the audit
    /// entry of <paramref name="caller"/>'s <paramref name="action"/> on <paramref name="prescriptionId"/>. A
    /// <see cref="DomainException"/> from the work becomes a <see cref="PrescriptionRequestRefused"/> reply, committed with
    /// whatever the work wrote before refusing.
    /// </summary>
    public async Task<object> HandleOnceAsync(string consumer, Guid messageId, Caller caller, string action, string prescriptionId,
        Func<DbConnection, DbTransaction, WriteBatch, Task<object>> work, CancellationToken cancellationToken = default,
        Func<object, string?>? auditDetail = null, Delivery delivery = Delivery.Bus)
    {
        var correlationId = caller.CorrelationId;
        try
        {
            return await database.InTransactionAsync(async (connection, transaction) =>
            {
                if (delivery == Delivery.Bus)
                {
                    var earlier = await connection.QuerySingleOrDefaultAsync<(string? Type, string? Reply)>(
                        SelectReply,
                        new { consumer, id = messageId.ToString() }, transaction);
                    if (earlier.Type is not null && earlier.Reply is not null && ReplyTypes.TryGetValue(earlier.Type, out var type))
                        return JsonSerializer.Deserialize(earlier.Reply, type)!;
                }

                // The work's writes, the processed-message record and the audit entry go to the database together.
                var batch = new WriteBatch();
                object reply;
                try
                {
                    reply = await work(connection, transaction, batch);
                }
                catch (DomainException e)
                {
                    reply = Refusal(correlationId, e);
                }
                if (delivery == Delivery.Bus)
                {
                    batch.Add(
                        """
                        INSERT INTO processed_messages (consumer, message_id, processed_at, response_type, response)
                        VALUES (@consumer, @id, @now, @type, @reply)
                        """,
                        new { consumer, id = messageId.ToString(), now = DateTime.UtcNow, type = reply.GetType().Name, reply = JsonSerializer.Serialize(reply, reply.GetType()) });
                }
                var outcome = reply is PrescriptionRequestRefused refused ? refused.Code : "OK";
                Audit.AuditLog.Add(batch, _time.GetUtcNow().UtcDateTime, caller, action, prescriptionId,
                    outcome, reply is PrescriptionRequestRefused ? ErrorCodes.StatusOf(outcome) : 200, correlationId, auditDetail?.Invoke(reply));
                await batch.ExecuteAsync(connection, transaction);
                return reply;
            }, cancellationToken);
        }
        catch (DbException e) when (database.Dialect.IsUniqueViolation(e))
        {
            // Only a concurrent handling of the same message counts as done: answer as that one did. Any other duplicate key
            // is a real failure, rethrown so the bus retries and, failing that, moves the message to the error queue.
            var other = await EarlierReplyAsync(consumer, messageId, cancellationToken);
            if (other.Type is null || other.Reply is null || !ReplyTypes.TryGetValue(other.Type, out var type)) throw;
            return JsonSerializer.Deserialize(other.Reply, type)!;
        }
    }

    private const string SelectReply = "SELECT response_type, response FROM processed_messages WHERE consumer = @consumer AND message_id = @id";

    private async Task<(string? Type, string? Reply)> EarlierReplyAsync(string consumer, Guid messageId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<(string? Type, string? Reply)>(
            SelectReply,
            new { consumer, id = messageId.ToString() });
    }

    /// <summary>
    /// Runs the effect of an event once: a redelivered event finds its processed-message record and changes nothing.
    /// Returns false when the event had already been handled.
    /// </summary>
    public async Task<bool> HandleEventOnceAsync(string consumer, Guid messageId, Func<DbConnection, DbTransaction, Task> work,
        CancellationToken cancellationToken = default)
    {
        try
        {
            return await database.InTransactionAsync(async (connection, transaction) =>
            {
                var seen = await connection.ExecuteScalarAsync<long>(
                    "SELECT COUNT(*) FROM processed_messages WHERE consumer = @consumer AND message_id = @id",
                    new { consumer, id = messageId.ToString() }, transaction);
                if (seen > 0) return false;
                await work(connection, transaction);
                await connection.ExecuteAsync(
                    "INSERT INTO processed_messages (consumer, message_id, processed_at) VALUES (@consumer, @id, @now)",
                    new { consumer, id = messageId.ToString(), now = DateTime.UtcNow }, transaction);
                return true;
            }, cancellationToken);
        }
        catch (DbException e) when (database.Dialect.IsUniqueViolation(e))
        {
            // Handled concurrently by another instance: nothing more to do. Any other duplicate key is a real failure.
            await using var connection = await database.OpenAsync(cancellationToken);
            var seen = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM processed_messages WHERE consumer = @consumer AND message_id = @id",
                new { consumer, id = messageId.ToString() });
            if (seen == 0) throw;
            return false;
        }
    }

    public static PrescriptionRequestRefused Refusal(Guid correlationId, DomainException e) => new(
        correlationId, e.Code, e.Detail,
        e.Errors.Count == 0 ? null : JsonSerializer.Serialize(e.Errors),
        e.Extensions.Count == 0 ? null : JsonSerializer.Serialize(e.Extensions));

    /// <summary>The refusal as the domain exception the HTTP edge maps to a problem document.</summary>
    public static DomainException ToException(PrescriptionRequestRefused refused) => new(
        refused.Code, refused.Detail,
        refused.Errors is null ? null : JsonSerializer.Deserialize<List<DocumentError>>(refused.Errors),
        refused.Extensions is null ? null : JsonSerializer.Deserialize<Dictionary<string, object?>>(refused.Extensions));
}

/// <summary>How a command reached the prescription server.</summary>
public enum Delivery
{
    /// <summary>Over the bus, which may deliver it again: its effect and answer are recorded under its message id.</summary>
    Bus,

    /// <summary>
    /// From the HTTP edge in the same process, exactly once: nothing can deliver it again, so there is no message id to
    /// remember (a client's retry is a new request, recognised by the use case itself).
    /// </summary>
    InProcess,
}
