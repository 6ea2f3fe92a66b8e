using System.Data.Common;
using Dapper;
using EPrescription.Contracts;
using EPrescription.Server.Outbox;
using EPrescription.Server.Storage;
using EPrescription.Server.Time;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// Loading a prescription and moving it through the lifecycle: every status change goes through <see cref="Lifecycle"/>,
/// appends history, and is guarded by the row version so that of two concurrent changes exactly one wins.
/// </summary>
internal sealed class PrescriptionStore(Database database, TimeProvider time)
{
    public Database Database => database;

    public async Task<PrescriptionRow?> FindAsync(DbConnection connection, DbTransaction? transaction, string id) =>
        await connection.QuerySingleOrDefaultAsync<PrescriptionRow>(
            $"SELECT {PrescriptionRow.Columns} FROM prescriptions WHERE id = @id", new { id }, transaction);

    /// <summary>
    /// Applies <paramref name="action"/> if the row still has the version it was read with; false when another change came first
    /// (the caller reloads and decides again).
    /// </summary>
    public async Task<bool> TryTransitionAsync(DbConnection connection, DbTransaction transaction, PrescriptionRow row, PrescriptionAction action,
        Caller? caller, string? holderClientId, string? correlationId = null)
    {
        var from = row.StatusValue;
        var to = Lifecycle.Next(from, action);
        var now = time.GetUtcNow().UtcDateTime;
        var changed = await connection.ExecuteAsync(
            """
            UPDATE prescriptions
            SET status = @to, holder_client_id = @holder, updated_at = @now, row_version = row_version + 1
            WHERE id = @id AND row_version = @version
            """,
            new { to = Statuses.Name(to), holder = holderClientId, now, id = row.Id, version = row.RowVersion }, transaction);
        if (changed == 0) return false;

        await AppendHistoryAsync(connection, transaction, row.Id, action.ToString().ToLowerInvariant(), from, to, caller?.ClientId,
            correlationId ?? caller?.CorrelationId.ToString(), now);
        row.Status = Statuses.Name(to);
        row.HolderClientId = holderClientId;
        row.RowVersion++;
        row.UpdatedAt = now;
        return true;
    }

    public static Task AppendHistoryAsync(DbConnection connection, DbTransaction transaction, string id, string action,
        PrescriptionStatus? from, PrescriptionStatus to, string? clientId, string? correlationId, DateTime at) =>
        connection.ExecuteAsync(
            """
            INSERT INTO prescription_history (prescription_id, at, action, from_status, to_status, client_id, correlation_id)
            VALUES (@id, @at, @action, @from, @to, @clientId, @correlationId)
            """,
            new { id, at, action, from = from is { } f ? Statuses.Name(f) : null, to = Statuses.Name(to), clientId, correlationId },
            transaction);

    /// <summary>
    /// Lazy expiry: a prescription still open after the end of its last valid date (Japan time) becomes expired the moment
    /// anyone looks at it. Returns true when it did.
    /// </summary>
    public async Task<bool> ExpireIfDueAsync(PrescriptionRow row, Caller? caller)
    {
        if (!IsDue(row)) return false;
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            var current = await FindAsync(connection, transaction, row.Id);
            if (current is null || !IsDue(current)) return false;
            if (!await ExpireAsync(connection, transaction, current, caller?.CorrelationId)) return false;
            row.Status = current.Status;
            row.RowVersion = current.RowVersion;
            return true;
        });
    }

    /// <summary>The expire transition with its PrescriptionExpired event, inside the caller's transaction.</summary>
    public async Task<bool> ExpireAsync(DbConnection connection, DbTransaction transaction, PrescriptionRow row, Guid? correlationId)
    {
        if (!await TryTransitionAsync(connection, transaction, row, PrescriptionAction.Expire, null, row.HolderClientId, correlationId?.ToString())) return false;
        var now = time.GetUtcNow().UtcDateTime;
        var messageId = Guid.NewGuid();
        var correlation = correlationId ?? messageId;
        await OutboxWriter.AddAsync(connection, transaction, messageId, correlation,
            new PrescriptionExpired(messageId, correlation, PrescriptionId.Parse(row.Id).ToString(), row.ExpiresOn, now), now);
        return true;
    }

    private bool IsDue(PrescriptionRow row) =>
        Lifecycle.CanApply(row.StatusValue, PrescriptionAction.Expire) && time.GetUtcNow().UtcDateTime >= JapanTime.EndOf(row.ExpiresOn);

    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(DbConnection connection, string id) =>
        (await connection.QueryAsync<HistoryEntry>(
            """
            SELECT h.at AS At, h.action AS Action, h.from_status AS FromStatus, h.to_status AS ToStatus,
                   h.client_id AS ClientId, c.name AS ClientName, c.role AS ClientRole
            FROM prescription_history h LEFT JOIN clients c ON c.id = h.client_id
            WHERE h.prescription_id = @id ORDER BY h.id
            """, new { id })).ToList();
}

/// <summary>One transition in a prescription's history.</summary>
public sealed class HistoryEntry
{
    public DateTime At { get; init; }
    public required string Action { get; init; }
    public string? FromStatus { get; init; }
    public required string ToStatus { get; init; }
    public string? ClientId { get; init; }
    public string? ClientName { get; init; }
    public string? ClientRole { get; init; }
}
