using Dapper;
using EPrescription.NotebookSync.Records;
using EPrescription.Server;
using EPrescription.Server.Prescriptions;
using EPrescription.Server.Storage;

namespace EPrescription.NotebookSync.Links;

/// <summary>
/// Linking a patient to a notebook app (POST /v1/notebook/links) with the prescription ID and exchange code the patient scanned
/// from the slip. The patient is the prescription's patient key; linking twice is harmless. A wrong code gets the same answer
/// as an unknown prescription and counts toward the same lockout as a pharmacy's. If the prescription was already dispensed,
/// its record is added at once; every later dispensing for the patient follows through the sync consumer.
/// </summary>
public static class LinkPatient
{
    public sealed record Request(string? PrescriptionId, string? ExchangeCode);

    public sealed record Response(string LinkId, bool Created, int RecordsAdded);

    internal sealed class Handler(Database database, PrescriptionStore store, RecordWriter records, TimeProvider time)
    {
        public async Task<Response> HandleAsync(Request request, Caller app, CancellationToken cancellationToken = default)
        {
            if (string.IsNullOrWhiteSpace(request.PrescriptionId) || string.IsNullOrWhiteSpace(request.ExchangeCode))
                throw new DomainException(ErrorCodes.RequestInvalid, "Send the prescription ID and the exchange code from the slip: {\"prescriptionId\": \"…\", \"exchangeCode\": \"123456\"}.");
            if (!PrescriptionId.TryParse(request.PrescriptionId, out var id)) throw GetStatus.NotFound(request.PrescriptionId);

            DomainException? refusal = null;
            var response = await database.InTransactionAsync(async (connection, transaction) =>
            {
                var row = await store.FindAsync(connection, transaction, id.Value);
                if (row is null)
                {
                    refusal = GetStatus.NotFound(request.PrescriptionId);
                    return null;
                }
                // Before the exchange-code check, which may write: the patient lock must come first in the transaction (see FeedOrder).
                await records.LockPatientAsync(connection, transaction, row.PatientKey);
                try
                {
                    await ExchangeCodeCheck.VerifyAsync(connection, transaction, row, request.ExchangeCode, request.PrescriptionId, time.GetUtcNow().UtcDateTime);
                }
                catch (DomainException e)
                {
                    refusal = e; // committed below: the wrong-code count must survive the refusal
                    return null;
                }

                var link = await connection.QuerySingleOrDefaultAsync<LinkRow>(
                    RecordWriter.SelectLinks + " WHERE l.app_client_id = @app AND l.patient_key = @patientKey",
                    new { app = app.ClientId, patientKey = row.PatientKey }, transaction);
                var created = link is null;
                if (link is null)
                {
                    var linkId = "lnk_" + Guid.NewGuid().ToString("N")[..24];
                    await connection.ExecuteAsync(
                        "INSERT INTO notebook_links (id, app_client_id, patient_key, prescription_id, created_at) VALUES (@linkId, @app, @patientKey, @prescription, @now)",
                        new { linkId, app = app.ClientId, patientKey = row.PatientKey, prescription = row.Id, now = time.GetUtcNow().UtcDateTime }, transaction);
                    link = await connection.QuerySingleAsync<LinkRow>(RecordWriter.SelectLinks + " WHERE l.id = @linkId", new { linkId }, transaction);
                }

                // The linking prescription's own dispensings (every part and every use of a refill), if they came before the link
                // and the app has no record of them yet, in dispensing order.
                var dispensings = (await connection.QueryAsync<DispensingSource>(
                    DispensingSource.Select +
                    " WHERE d.prescription_id = @prescription AND NOT EXISTS (SELECT 1 FROM notebook_records r WHERE r.app_client_id = @app AND r.dispensing_id = d.id)" +
                    " ORDER BY d.sequence",
                    new { prescription = row.Id, app = app.ClientId }, transaction)).ToList();
                foreach (var dispensing in dispensings) await records.AddAsync(connection, transaction, link, dispensing);
                return new Response(link.Id, created, dispensings.Count);
            }, cancellationToken);

            return response ?? throw refusal!;
        }
    }
}
