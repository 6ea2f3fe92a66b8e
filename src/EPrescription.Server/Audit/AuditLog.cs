using System.Data.Common;
using Dapper;
using EPrescription.Server.Clients;
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
    /// <summary>More about the outcome where the action has it, e.g. a medication check's "consent=card; duplicates=2".</summary>
    public string? Detail { get; init; }
}

/// <summary>The audit log's names for what a client did.</summary>
public static class AuditActions
{
    public const string Register = "prescription.register";
    public const string Read = "prescription.read";
    public const string Slip = "prescription.slip";
    public const string Cancel = "prescription.cancel";
    public const string Receive = "prescription.receive";
    public const string Return = "prescription.return";
    public const string Dispense = "prescription.dispense";
    public const string NotebookLink = "notebook.link";
    /// <summary>The service found a prescription past its last valid date (the sweeper, or a read that came first).</summary>
    public const string Expire = "prescription.expire";
    public const string MedicationCheck = "medication.check";
    public const string Dispensings = "prescription.dispensings";
    public const string ClinicEvents = "clinic.events";
}

/// <summary>
/// Records every read and write of a prescription, successful or refused. A change writes its entry inside its own transaction
/// (<see cref="WriteInTransactionAsync"/>), so that the change never exists without its entry (SPEC §9); reads, refusals
/// that changed nothing and replayed answers are written by the HTTP edge in a statement of their own (<see cref="WriteAsync"/>).
/// </summary>
public sealed class AuditLog(Database database, TimeProvider time)
{
    private const string Insert =
        """
        INSERT INTO audit_log (at, client_id, client_role, action, prescription_id, outcome, status_code, correlation_id, detail)
        VALUES (@at, @clientId, @clientRole, @action, @prescriptionId, @outcome, @statusCode, @correlationId, @detail)
        """;

    /// <summary>
    /// The entry of a change, in the change's own transaction. <paramref name="outcome"/> is "OK" or the refusal's code (a
    /// refusal committed with what it changed, such as a wrong exchange code counted toward the lockout). <paramref name="detail"/>
    /// says more where the action has more to say (codes and counts, never a value of a document).
    /// </summary>
    public static Task WriteInTransactionAsync(DbConnection connection, DbTransaction transaction, DateTime at, Caller caller, string action,
        string? prescriptionId, string outcome, int statusCode, string? detail = null) =>
        connection.ExecuteAsync(Insert,
            new
            {
                at, clientId = caller.ClientId, clientRole = caller.Role.Name(), action, prescriptionId = PrescriptionIdOf(prescriptionId), outcome, statusCode,
                correlationId = caller.CorrelationId.ToString(), detail,
            },
            transaction);

    /// <summary>The entry of a change as one statement of the change's <see cref="WriteBatch"/>; no caller for the service's own changes.</summary>
    public static void Add(WriteBatch batch, DateTime at, Caller? caller, string action, string? prescriptionId, string outcome, int statusCode,
        Guid correlationId, string? detail = null) =>
        batch.Add(Insert, new
        {
            at, clientId = caller?.ClientId, clientRole = caller?.Role.Name(), action, prescriptionId = PrescriptionIdOf(prescriptionId), outcome,
            statusCode, correlationId = correlationId.ToString(), detail,
        });

    /// <summary>
    /// The prescription an entry is about, as the audit query finds it: the canonical ID when the text is one (any case, with
    /// or without hyphens), else the text as sent, clipped.
    /// </summary>
    public static string? PrescriptionIdOf(string? sent)
    {
        if (string.IsNullOrEmpty(sent)) return null;
        return Prescriptions.PrescriptionId.TryParse(sent, out var id) ? id.ToString() : sent.Length > 40 ? sent[..40] : sent;
    }

    public async Task WriteAsync(string? clientId, string? clientRole, string action, string? prescriptionId, string outcome, int statusCode,
        string? correlationId, CancellationToken cancellationToken = default, string? detail = null)
    {
        await database.ExecuteWriteAsync(Insert,
            new { at = time.GetUtcNow().UtcDateTime, clientId, clientRole, action, prescriptionId = PrescriptionIdOf(prescriptionId), outcome, statusCode, correlationId, detail },
            cancellationToken);
    }

    /// <summary>
    /// A read that served several prescriptions at once (a page of the clinic event feed): one entry for each, so the audit of
    /// each prescription shows who read it; one entry without a prescription when it served none.
    /// </summary>
    public async Task WriteReadsAsync(Caller caller, string action, IEnumerable<string> prescriptionIds, CancellationToken cancellationToken = default)
    {
        var at = time.GetUtcNow().UtcDateTime;
        var entries = prescriptionIds.Select(id => (string?)id).DefaultIfEmpty(null).Select(id => new
        {
            at, clientId = caller.ClientId, clientRole = caller.Role.Name(), action, prescriptionId = PrescriptionIdOf(id), outcome = "OK",
            statusCode = 200, correlationId = caller.CorrelationId.ToString(), detail = (string?)null,
        }).ToList();
        await database.ExecuteWriteAsync(Insert, entries, cancellationToken);
    }

    public async Task<IReadOnlyList<AuditEntry>> ForPrescriptionAsync(string prescriptionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AuditEntry>(
            """
            SELECT id AS Id, at AS At, client_id AS ClientId, client_role AS ClientRole, action AS Action,
                   prescription_id AS PrescriptionId, outcome AS Outcome, status_code AS StatusCode, correlation_id AS CorrelationId,
                   detail AS Detail
            FROM audit_log WHERE prescription_id = @prescriptionId ORDER BY id
            """,
            new { prescriptionId });
        return rows.ToList();
    }
}
