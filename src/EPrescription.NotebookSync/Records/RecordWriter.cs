using System.Data.Common;
using Dapper;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Server.Prescriptions;

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
/// Adds the dispensing record of one dispensing for one linked app, and when the app has a webhook queues it for delivery, in
/// one round trip. Callers hold the patient's lock (<see cref="LockPatientAsync"/>) and have checked, under it, that the app
/// has no record of the dispensing yet; the unique (app, dispensing) key refuses a duplicate should one slip through anyway.
/// </summary>
internal sealed class RecordWriter(TimeProvider time)
{
    public const string SelectLinks =
        """
        SELECT l.id AS Id, l.app_client_id AS AppClientId, l.patient_key AS PatientKey, c.webhook_url AS WebhookUrl, l.created_at AS CreatedAt
        FROM notebook_links l JOIN clients c ON c.id = l.app_client_id
        """;

    /// <summary>
    /// Serialises the record writers of one patient until the transaction ends, before its first write: the patient's records
    /// are then added in dispensing order and the "not recorded yet" checks hold. Other patients, and so other records of the
    /// same app, never wait (SPEC §2: no lock that every record of an app passes through); the feed's order needs no lock.
    /// </summary>
    public Task LockPatientAsync(DbConnection connection, DbTransaction transaction, string patientKey) =>
        FeedOrder.For(connection).LockPatientAsync(connection, transaction, patientKey);

    public async Task AddAsync(DbConnection connection, DbTransaction transaction, LinkRow link, DispensingSource dispensing)
    {
        var prescription = PrescriptionReader.Read(JahisReader.Read(dispensing.PrescriptionDocument,
            StoredEncodings.Parse(dispensing.PrescriptionEncoding)));
        // Dispensing documents are stored as the pharmacy sent them; the reader detects their encoding.
        var document = DispensingRecordDocument.Build(prescription, JahisReader.Read(dispensing.Document));
        var now = time.GetUtcNow().UtcDateTime;
        var id = "nbr_" + Guid.NewGuid().ToString("N")[..24];
        const string insertRecord =
            """
            INSERT INTO notebook_records (id, app_client_id, link_id, patient_key, dispensing_id, dispensing_sequence, prescription_id, dispensed_on, document, created_at)
            VALUES (@id, @app, @link, @patientKey, @dispensing, @dispensingSequence, @prescription, @dispensedOn, @document, @now);
            """;
        // The delivery copies the record's feed_sequence, which orders a patient's deliveries: the patient's records are written
        // one transaction after the other under the patient lock, so their sequences rise in that order.
        const string insertDelivery =
            """

            INSERT INTO webhook_deliveries (record_id, app_client_id, patient_key, feed_sequence, status, attempts, next_attempt_at)
            SELECT id, app_client_id, patient_key, feed_sequence, 'pending', 0, @now FROM notebook_records WHERE id = @id;
            """;
        await connection.ExecuteAsync(link.WebhookUrl is null ? insertRecord : insertRecord + insertDelivery,
            new
            {
                id, app = link.AppClientId, link = link.Id, patientKey = link.PatientKey, dispensing = dispensing.Id, dispensingSequence = dispensing.Sequence,
                prescription = dispensing.PrescriptionId, dispensedOn = dispensing.DispensedOn, document, now,
            }, transaction);
        Server.Telemetry.DomainMeters.OnCommit(transaction, Server.Telemetry.DomainMeters.NotebookRecords);
    }
}
