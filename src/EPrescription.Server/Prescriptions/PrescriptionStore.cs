using System.Data.Common;
using Dapper;
using EPrescription.Contracts;
using EPrescription.Server.Audit;
using EPrescription.Server.Outbox;
using EPrescription.Server.Storage;
using EPrescription.Server.Time;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// Where prescriptions live. Use cases load a prescription (locked for the transaction when they mean to change it), ask
/// <see cref="PrescriptionLifecycle.Decide"/> what happens, and hand the decision to <see cref="Save"/>, which puts the new
/// state, its history entry, its announcement (outbox) and, where given, its audit entry into the transaction's one
/// <see cref="WriteBatch"/>: one round trip for all of them.
/// </summary>
internal sealed class PrescriptionStore(Database database, TimeProvider time)
{
    public Database Database => database;

    private const string FromWithHolder = " FROM prescriptions p LEFT JOIN clients h ON h.id = p.holder_client_id";

    /// <summary>The prescription as it stands, with its holder's name and code; no lock.</summary>
    public async Task<PrescriptionRow?> FindAsync(DbConnection connection, DbTransaction? transaction, string id) =>
        await connection.QuerySingleOrDefaultAsync<PrescriptionRow>(
            $"SELECT {PrescriptionRow.ColumnsWithHolder}{FromWithHolder} WHERE p.id = @id", new { id }, transaction);

    /// <summary>
    /// The prescription locked for this transaction (PostgreSQL FOR UPDATE, SQL Server UPDLOCK; SQLite's transactions already
    /// hold the one write lock), with the acting client in the same round trip. Of two concurrent changes the second waits and
    /// then sees the first one's result, so its decision is made on the latest state.
    /// </summary>
    public async Task<(ActingClient? Client, PrescriptionRow? Row)> LoadForChangeAsync(DbConnection connection, DbTransaction transaction,
        string id, string clientId)
    {
        // The lock first, then the read in a statement of its own: PostgreSQL re-reads a locked row that changed while it waited,
        // but not the rows joined to it (the new holder's name), and a new statement sees everything committed before it.
        var sql =
            (LockStatement is { } lockRow ? lockRow + ";\n" : "") +
            "SELECT id AS ClientId, role AS Role, name AS Name, institution_code AS InstitutionCode FROM clients WHERE id = @clientId;\n" +
            $"SELECT {PrescriptionRow.ColumnsWithHolder}{FromWithHolder} WHERE p.id = @id";
        await using var results = await connection.QueryMultipleAsync(sql, new { id, clientId }, transaction);
        if (LockStatement is not null) await results.ReadAsync<int>();
        var client = await results.ReadSingleOrDefaultAsync<ActingClient>();
        var row = await results.ReadSingleOrDefaultAsync<PrescriptionRow>();
        return (client, row);
    }

    /// <summary>Locks the row for the transaction; none for SQLite, whose write transactions hold its one write lock already.</summary>
    private string? LockStatement => database.Dialect.Provider switch
    {
        DatabaseProvider.PostgreSql => "SELECT 1 FROM prescriptions WHERE id = @id FOR UPDATE",
        DatabaseProvider.SqlServer => "SELECT 1 FROM prescriptions WITH (UPDLOCK, ROWLOCK) WHERE id = @id",
        _ => null,
    };

    /// <summary>
    /// Puts what <paramref name="decision"/> changed into <paramref name="batch"/>: the state (guarded by the version it was
    /// loaded with), the history entry, and the announcement, <paramref name="announcement"/> or the lifecycle event's own
    /// message. The row takes the new state at once. Nothing is added for a decision that changes nothing.
    /// </summary>
    public void Save(WriteBatch batch, PrescriptionRow row, Decision decision, Caller? caller, Guid correlationId, DateTime now,
        (Guid MessageId, object Message)? announcement = null)
    {
        if (decision.Next is not { } next) return;
        var from = row.StatusValue;
        batch.Add(
            """
            UPDATE prescriptions
            SET status = @status, holder_client_id = @holder, uses_done = @usesDone, parts_done = @partsDone, next_due_on = @nextDueOn,
                valid_through = @validThrough, updated_at = @now, row_version = @next
            WHERE id = @id AND row_version = @version
            """,
            new
            {
                status = Statuses.Name(next.Status), holder = next.Holder?.ClientId, usesDone = next.UsesDone, partsDone = next.PartsDone,
                nextDueOn = next.NextDueOn, validThrough = next.ValidThrough, now, next = next.Version, id = row.Id, version = row.RowVersion,
            });
        AppendHistory(batch, row.Id, HistoryAction(decision), from, next.Status, caller?.ClientId, (caller?.CorrelationId ?? correlationId).ToString(), now);
        row.Apply(next, now);

        if ((announcement ?? Announcement(row, decision.Event, caller, correlationId, now)) is { } message)
            OutboxWriter.Add(batch, message.MessageId, correlationId, message.Message, now);
        if (decision.Event == LifecycleEvent.Expired && caller is null)
            AuditLog.Add(batch, now, null, AuditActions.Expire, row.Id, "OK", 200, correlationId);
    }

    /// <summary>The event a decision announces, for every event but a dispensing (which the dispensing use case describes).</summary>
    private static (Guid MessageId, object Message)? Announcement(PrescriptionRow row, LifecycleEvent? announced, Caller? caller, Guid correlationId, DateTime now)
    {
        var messageId = Guid.NewGuid();
        var id = PrescriptionId.Parse(row.Id).ToString();
        object? message = announced switch
        {
            LifecycleEvent.Received => new PrescriptionReceived(messageId, correlationId, id, row.HolderClientId!, row.HolderInstitutionCode, now),
            LifecycleEvent.Returned => new PrescriptionReturned(messageId, correlationId, id, caller!.ClientId, now),
            LifecycleEvent.Cancelled => new PrescriptionCancelled(messageId, correlationId, id, row.InstitutionCode, now),
            LifecycleEvent.Expired => new PrescriptionExpired(messageId, correlationId, id, row.ExpiresOn, now),
            _ => null,
        };
        return message is null ? null : (messageId, message);
    }

    private static string HistoryAction(Decision decision) => decision.Event switch
    {
        LifecycleEvent.Received => "receive",
        LifecycleEvent.Returned => "return",
        LifecycleEvent.Dispensed when decision.Next!.PartsDone > 0 => "dispense-part",
        LifecycleEvent.Dispensed => "dispense",
        LifecycleEvent.Cancelled => "cancel",
        _ => "expire",
    };

    public static void AppendHistory(WriteBatch batch, string id, string action, PrescriptionStatus? from, PrescriptionStatus to,
        string? clientId, string? correlationId, DateTime at) =>
        batch.Add(
            """
            INSERT INTO prescription_history (prescription_id, at, action, from_status, to_status, client_id, correlation_id)
            VALUES (@id, @at, @action, @from, @to, @clientId, @correlationId)
            """,
            new { id, at, action, from = from is { } f ? Statuses.Name(f) : null, to = Statuses.Name(to), clientId, correlationId });

    /// <summary>
    /// Lazy expiry: a prescription still open after its last valid date (Japan time) becomes expired the moment anyone looks at
    /// it, in a transaction of its own. Returns true when it did (and the row shows it).
    /// </summary>
    public async Task<bool> ExpireIfDueAsync(PrescriptionRow row, Guid? correlationId, CancellationToken cancellationToken = default)
    {
        if (!PrescriptionLifecycle.IsPastValidity(row.State, JapanTime.Today(time))) return false;
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            var current = (await LoadForChangeAsync(connection, transaction, row.Id, "")).Row;
            if (current is null) return false;
            var decision = PrescriptionLifecycle.Decide(current.State, Actor.System, new LifecycleAction.Expire(), JapanTime.Today(time));
            if (!decision.Changes) return false;
            var batch = new WriteBatch();
            Save(batch, current, decision, null, correlationId ?? Guid.NewGuid(), time.GetUtcNow().UtcDateTime);
            await batch.ExecuteAsync(connection, transaction);
            row.Apply(current.State, current.UpdatedAt);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Announces that a refill's next use may be received (RefillDue) if the lifecycle says it is due and it was not announced
    /// for this use yet; in a transaction of its own, the row locked. Returns true when it did.
    /// </summary>
    public async Task<bool> AnnounceRefillDueAsync(string id, CancellationToken cancellationToken = default) =>
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var row = (await LoadForChangeAsync(connection, transaction, id, "")).Row;
            if (row is null || !PrescriptionLifecycle.IsRefillDue(row.State, JapanTime.Today(time))) return false;
            var use = row.UsesDone + 1;
            if (row.RefillDueUse >= use) return false; // announced for this use already
            var batch = new WriteBatch();
            batch.Add("UPDATE prescriptions SET refill_due_use = @use WHERE id = @id", new { id, use });
            var now = time.GetUtcNow().UtcDateTime;
            var messageId = Guid.NewGuid();
            var window = row.State.Window!;
            OutboxWriter.Add(batch, messageId, messageId,
                new RefillDue(messageId, messageId, PrescriptionId.Parse(row.Id).ToString(), use, row.NextDueOn!.Value, window.From, window.To, now), now);
            await batch.ExecuteAsync(connection, transaction);
            return true;
        }, cancellationToken);

    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(DbConnection connection, string id) =>
        (await connection.QueryAsync<HistoryEntry>(
            """
            SELECT h.at AS At, h.action AS Action, h.from_status AS FromStatus, h.to_status AS ToStatus,
                   h.client_id AS ClientId, c.name AS ClientName, c.role AS ClientRole
            FROM prescription_history h LEFT JOIN clients c ON c.id = h.client_id
            WHERE h.prescription_id = @id ORDER BY h.id
            """, new { id })).ToList();
}

/// <summary>The client a change comes from, as the clients table knows it (null fields for an unknown or removed client).</summary>
internal sealed class ActingClient
{
    public string ClientId { get; init; } = "";
    public string Role { get; init; } = "";
    public string Name { get; init; } = "";
    public string? InstitutionCode { get; init; }

    public bool IsPharmacy => Role == Clients.ClientRoles.Name(Clients.ClientRole.Pharmacy);

    public Caller AsCaller(Guid correlationId) => new(ClientId, Clients.ClientRoles.TryParse(Role, out var role) ? role : Clients.ClientRole.Pharmacy,
        Name, InstitutionCode, correlationId);
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
