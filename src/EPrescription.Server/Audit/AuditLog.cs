using Dapper;
using EPrescription.Server.Storage;

namespace EPrescription.Server.Audit;

/// <summary>One line of the audit log: who did what to which prescription, when, with what outcome. Never personal data.</summary>
public sealed class AuditEntry
{
    public long Id { get; init; }
    public DateTime At { get; init; }
    public string? ClientId { get; init; }
    public string? ClientRole { get; init; }
    public required string Action { get; init; }
    public string? PrescriptionId { get; init; }
    public required string Outcome { get; init; }
    public int StatusCode { get; init; }
    public string? CorrelationId { get; init; }
}

/// <summary>Records every read and write of a prescription, successful or refused, in its own transaction.</summary>
public sealed class AuditLog(Database database, TimeProvider time)
{
    public async Task WriteAsync(string? clientId, string? clientRole, string action, string? prescriptionId, string outcome, int statusCode,
        string? correlationId, CancellationToken cancellationToken = default)
    {
        await database.ExecuteWriteAsync(
            """
            INSERT INTO audit_log (at, client_id, client_role, action, prescription_id, outcome, status_code, correlation_id)
            VALUES (@at, @clientId, @clientRole, @action, @prescriptionId, @outcome, @statusCode, @correlationId)
            """,
            new { at = time.GetUtcNow().UtcDateTime, clientId, clientRole, action, prescriptionId, outcome, statusCode, correlationId },
            cancellationToken);
    }

    public async Task<IReadOnlyList<AuditEntry>> ForPrescriptionAsync(string prescriptionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AuditEntry>(
            """
            SELECT id AS Id, at AS At, client_id AS ClientId, client_role AS ClientRole, action AS Action,
                   prescription_id AS PrescriptionId, outcome AS Outcome, status_code AS StatusCode, correlation_id AS CorrelationId
            FROM audit_log WHERE prescription_id = @prescriptionId ORDER BY id
            """,
            new { prescriptionId });
        return rows.ToList();
    }
}
