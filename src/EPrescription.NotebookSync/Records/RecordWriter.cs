using System.Data.Common;
using Dapper;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;

namespace EPrescription.NotebookSync.Records;

/// <summary>A dispensing with what is needed to build its notebook record.</summary>
internal sealed class DispensingSource
{
    public const string Select =
        """
        SELECT d.id AS Id, d.prescription_id AS PrescriptionId, d.patient_key AS PatientKey, d.dispensed_on AS DispensedOn, d.sequence AS Sequence,
               d.document AS Document, p.document AS PrescriptionDocument, p.document_encoding AS PrescriptionEncoding
        FROM dispensings d JOIN prescriptions p ON p.id = d.prescription_id
        """;

    public string Id { get; init; } = "";
    public string PrescriptionId { get; init; } = "";
    public string PatientKey { get; init; } = "";
    public DateOnly DispensedOn { get; init; }
    public long Sequence { get; init; }
    public byte[] Document { get; init; } = [];
    public byte[] PrescriptionDocument { get; init; } = [];
    public string PrescriptionEncoding { get; init; } = "";
}

/// <summary>A link as the record writer needs it.</summary>
internal sealed class LinkRow
{
    public string Id { get; init; } = "";
    public string AppClientId { get; init; } = "";
    public string PatientKey { get; init; } = "";
    public string? WebhookUrl { get; init; }
    public DateTime CreatedAt { get; init; }
}

/// <summary>
/// Adds the dispensing record of one dispensing for one linked app, once: a second call for the same app and dispensing
/// (a redelivered event, a link made while the event was in flight) adds nothing. When the app has a webhook, the record is
/// queued for delivery in the same transaction.
/// </summary>
internal sealed class RecordWriter(TimeProvider time)
{
    public const string SelectLinks =
        """
        SELECT l.id AS Id, l.app_client_id AS AppClientId, l.patient_key AS PatientKey, c.webhook_url AS WebhookUrl, l.created_at AS CreatedAt
        FROM notebook_links l JOIN clients c ON c.id = l.app_client_id
        """;

    /// <summary>
    /// Holds the app's feed until the transaction ends, before any of its records is added. Feed positions are drawn when a
    /// record is inserted; without the lock, on PostgreSQL or SQL Server a later position could commit first and an app paging
    /// with its cursor would pass the earlier one for good, and two dispensings of one patient could be recorded in either order.
    /// </summary>
    public static Task LockFeedAsync(DbConnection connection, DbTransaction transaction, string appClientId) =>
        connection.ExecuteAsync("UPDATE clients SET name = name WHERE id = @app", new { app = appClientId }, transaction);

    public async Task<bool> AddAsync(DbConnection connection, DbTransaction transaction, LinkRow link, DispensingSource dispensing)
    {
        var exists = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM notebook_records WHERE app_client_id = @app AND dispensing_id = @dispensing",
            new { app = link.AppClientId, dispensing = dispensing.Id }, transaction);
        if (exists > 0) return false;

        var prescription = PrescriptionReader.Read(JahisReader.Read(dispensing.PrescriptionDocument,
            dispensing.PrescriptionEncoding == "utf-8" ? TextEncodingKind.Utf8 : TextEncodingKind.ShiftJis));
        // Dispensing documents are stored as the pharmacy sent them; the reader detects their encoding.
        var document = DispensingRecordDocument.Build(prescription, JahisReader.Read(dispensing.Document));
        var now = time.GetUtcNow().UtcDateTime;
        var id = "nbr_" + Guid.NewGuid().ToString("N")[..24];
        await connection.ExecuteAsync(
            """
            INSERT INTO notebook_records (id, app_client_id, link_id, patient_key, dispensing_id, prescription_id, dispensed_on, document, created_at)
            VALUES (@id, @app, @link, @patientKey, @dispensing, @prescription, @dispensedOn, @document, @now)
            """,
            new
            {
                id, app = link.AppClientId, link = link.Id, patientKey = link.PatientKey, dispensing = dispensing.Id,
                prescription = dispensing.PrescriptionId, dispensedOn = dispensing.DispensedOn, document, now,
            }, transaction);
        Server.Telemetry.DomainMeters.OnCommit(transaction, Server.Telemetry.DomainMeters.NotebookRecords);

        if (link.WebhookUrl is not null)
        {
            var sequence = await connection.ExecuteScalarAsync<long>("SELECT feed_sequence FROM notebook_records WHERE id = @id", new { id }, transaction);
            await connection.ExecuteAsync(
                """
                INSERT INTO webhook_deliveries (record_id, app_client_id, patient_key, feed_sequence, status, attempts, next_attempt_at)
                VALUES (@id, @app, @patientKey, @sequence, 'pending', 0, @now)
                """,
                new { id, app = link.AppClientId, patientKey = link.PatientKey, sequence, now }, transaction);
        }
        return true;
    }
}
