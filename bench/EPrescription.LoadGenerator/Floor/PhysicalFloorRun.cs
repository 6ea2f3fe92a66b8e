using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using EPrescription.LoadGenerator.Documents;
using EPrescription.LoadGenerator.Measuring;
using EPrescription.Server.Clients;
using EPrescription.Server.Storage;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.X509;

namespace EPrescription.LoadGenerator.Floor;

/// <summary>
/// The physical floor (SPEC §9): per lifecycle, exactly the work nothing can take away — the two BouncyCastle signature
/// verifications of the signed documents and the rows the design must make durable, written as raw SQL on a pooled connection,
/// one transaction per step a client waits for, run by the service's transaction runner (on SQLite its one writer, which commits
/// the transactions waiting together in one commit, as it does for the service). No HTTP, no bus, no use-case code, no JSON, no parsing of the JAHIS documents.
/// <list type="number">
/// <item>register: verify the prescriber's detached CMS; commit the prescription row, its history row and its audit row;</item>
/// <item>receive: commit the status change (guarded by the row version), its history row, its audit row and the clinic's
/// event (SPEC §11);</item>
/// <item>dispense: verify the pharmacist's encapsulated CMS; commit the dispensing row, the status change, history, audit, the
/// outbox row of the event and the clinic's event;</item>
/// <item>notebook record: commit the record and the processed-message row (the notebook role's own transaction).</item>
/// </list>
/// The verifications are BouncyCastle's <c>SignerInformation.Verify</c> with the key of the certificate the CMS carries: the
/// signature arithmetic and the CMS parsing it needs. Decoding the key (BouncyCastle validates the RSA modulus), chain building
/// and CRL look-ups depend only on the certificate and are cached, by the service as here, so they are not part of the floor. Rows are the sizes the service writes (the documents and
/// signatures themselves, a verification summary and a parsed prescription of typical length).
/// </summary>
internal sealed class PhysicalFloorRun(FloorOptions options, TextWriter progress)
{
    // What the service stores beside the documents, at their usual length: a parsed prescription and a verification summary.
    private static readonly string Parsed = new('p', 2_400);
    private static readonly string Verification = new('v', 600);

    public async Task<Report> RunAsync()
    {
        var (connectionString, sqliteFolder) = FloorDatabase.ConnectionString(options);
        try
        {
            var database = new Database(options.Provider, connectionString);
            await new Migrator(database).MigrateAsync();
            await DevClients.SeedAsync(new ClientStore(database, TimeProvider.System));
            await LinkAsync(database);
            return await RunOnAsync(database);
        }
        finally
        {
            FloorDatabase.Remove(sqliteFolder);
        }
    }

    private const string LinkId = "lnk_floor";

    /// <summary>The one notebook link every record is written for, with the prescription it was made from.</summary>
    private static async Task LinkAsync(Database database)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var now = DateTime.UtcNow;
        await ExecuteAsync(connection, transaction,
            """
            INSERT INTO prescriptions (id, clinic_client_id, institution_code, exchange_code, status, issued_on, expires_on, document,
                document_encoding, signature, signature_detached, content_hash, parsed, verification, patient_key, registered_at, updated_at)
            VALUES ('LINK', @clinic, @institution, '123456', 'registered', @today, @today, @empty, 'shift_jis', @empty, TRUE, 'link', '', '',
                'patient-key', @now, @now);
            INSERT INTO notebook_links (id, app_client_id, patient_key, prescription_id, created_at)
            VALUES (@link, @app, 'patient-key', 'LINK', @now)
            """,
            ("clinic", DevClients.Clinic.Id), ("institution", DevClients.Clinic.InstitutionCode), ("today", DateOnly.FromDateTime(now)),
            ("empty", Array.Empty<byte>()), ("now", now), ("link", LinkId), ("app", DevClients.NotebookApp.Id));
        await transaction.CommitAsync();
    }

    private async Task<Report> RunOnAsync(Database database)
    {
        var documents = LifecycleDocuments.Load(options.Certs);
        var pool = new PrescriptionPool(documents);
        pool.TopUp(options.Warmup > TimeSpan.Zero ? PrescriptionPool.WarmupTarget(options.Warmup, options.Clients) : options.Pool ?? 5000, progress);

        return await new FloorPhases(options, progress, Report.PhysicalFloorKind, "physical floor").RunAsync(pool,
            (prescription, lap) => LifecycleAsync(database, documents, prescription, lap),
            e => e is DbException database ? "database: " + database.GetType().Name : null);
    }

    private async Task LifecycleAsync(Database database, LifecycleDocuments documents, SignedPrescription prescription, Lap lap)
    {
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(10));
        var now = DateTime.UtcNow;
        var today = DateOnly.FromDateTime(now);

        var document = Convert.FromBase64String(prescription.DocumentBase64);
        var signature = Convert.FromBase64String(prescription.SignatureBase64);
        Verify(new CmsSignedData(new CmsProcessableByteArray(document), signature));
        await CommitAsync(database, async (connection, transaction) =>
        {
            await ExecuteAsync(connection, transaction,
                """
                INSERT INTO prescriptions (id, clinic_client_id, institution_code, exchange_code, status, issued_on, expires_on,
                    document, document_encoding, signature, signature_detached, content_hash, parsed, verification, patient_key,
                    registered_at, updated_at)
                VALUES (@id, @clinic, @institution, '123456', 'registered', @today, @today, @document, 'shift_jis', @signature,
                    @detached, @hash, @parsed, @verification, @patient, @now, @now)
                """,
                ("id", id), ("clinic", DevClients.Clinic.Id), ("institution", DevClients.Clinic.InstitutionCode), ("today", today),
                ("document", document), ("signature", signature), ("detached", true),
                ("hash", Convert.ToHexString(SHA256.HashData(signature))), ("parsed", Parsed), ("verification", Verification),
                ("patient", "patient-key"), ("now", now));
            await HistoryAndAuditAsync(connection, transaction, id, "register", null, "registered", DevClients.Clinic.Id, "clinic", now);
        });
        lap.Next(Operations.Receive);
        await CommitAsync(database, async (connection, transaction) =>
        {
            var changed = await ExecuteAsync(connection, transaction,
                """
                UPDATE prescriptions SET status = 'received', holder_client_id = @pharmacy, updated_at = @now, row_version = row_version + 1
                WHERE id = @id AND row_version = 1
                """,
                ("pharmacy", DevClients.Pharmacy.Id), ("now", now), ("id", id));
            if (changed != 1) throw new InvalidOperationException("receive changed no row");
            await HistoryAndAuditAsync(connection, transaction, id, "receive", "registered", "received", DevClients.Pharmacy.Id, "pharmacy", now);
            await ClinicEventAsync(connection, transaction, id, "received", "{}", now);
        });
        lap.Next(Operations.Dispense);
        var dispensing = new CmsSignedData(documents.SignedDispensing);
        Verify(dispensing);
        using var buffer = new MemoryStream();
        dispensing.SignedContent.Write(buffer);
        var content = buffer.ToArray();
        var dispensingId = "dsp_" + id;
        await CommitAsync(database, async (connection, transaction) =>
        {
            await ExecuteAsync(connection, transaction,
                """
                INSERT INTO dispensings (id, prescription_id, pharmacy_client_id, patient_key, dispensed_on, document, signature,
                    signature_detached, verification, substitutions, recorded_at)
                VALUES (@dispensing, @id, @pharmacy, 'patient-key', @today, @content, @signature, @detached, @verification, '[]', @now)
                """,
                ("dispensing", dispensingId), ("id", id), ("pharmacy", DevClients.Pharmacy.Id), ("today", today),
                ("content", content), ("signature", documents.SignedDispensing), ("detached", false), ("verification", Verification), ("now", now));
            var changed = await ExecuteAsync(connection, transaction,
                """
                UPDATE prescriptions SET status = 'dispensed', updated_at = @now, row_version = row_version + 1
                WHERE id = @id AND row_version = 2
                """,
                ("now", now), ("id", id));
            if (changed != 1) throw new InvalidOperationException("dispense changed no row");
            await HistoryAndAuditAsync(connection, transaction, id, "dispense", "received", "dispensed", DevClients.Pharmacy.Id, "pharmacy", now);
            await ExecuteAsync(connection, transaction,
                """
                INSERT INTO outbox (message_id, message_type, payload, correlation_id, created_at)
                VALUES (@message, 'DispensingRecorded', @payload, @message, @now)
                """,
                ("message", Guid.NewGuid().ToString()), ("payload", Verification), ("now", now));
            await ClinicEventAsync(connection, transaction, id, "dispensed", $$"""{"dispensingId":"{{dispensingId}}","dispensedOn":"{{today:yyyy-MM-dd}}","part":false,"important":false}""", now);
        });
        lap.Next(Operations.RecordWritten);
        await CommitAsync(database, async (connection, transaction) =>
        {
            await ExecuteAsync(connection, transaction,
                """
                INSERT INTO processed_messages (consumer, message_id, processed_at) VALUES ('notebook-sync', @message, @now)
                """,
                ("message", Guid.NewGuid().ToString()), ("now", now));
            await ExecuteAsync(connection, transaction,
                """
                INSERT INTO notebook_records (id, app_client_id, link_id, patient_key, dispensing_id, dispensing_sequence, prescription_id,
                    dispensed_on, document, created_at)
                SELECT @record, @app, @link, 'patient-key', d.id, d.sequence, @id, @today, @content, @now FROM dispensings d WHERE d.id = @dispensing
                """,
                ("record", "nbr_" + id), ("app", DevClients.NotebookApp.Id), ("link", LinkId), ("dispensing", dispensingId),
                ("id", id), ("today", today), ("content", content), ("now", now));
        });
    }

    /// <summary>
    /// BouncyCastle's check of the one signer's signature value with the key of the certificate the CMS carries. The decoded key
    /// is kept per distinct key: decoding validates the RSA modulus (about 25 ms for 2048 bits), work that depends only on the
    /// certificate and that the service caches too.
    /// </summary>
    private static void Verify(CmsSignedData cms)
    {
        var signers = cms.GetSignerInfos().GetSigners();
        if (signers.Count != 1) throw new InvalidOperationException("expected exactly one signer");
        var signer = signers.First();
        var certificate = cms.GetCertificates().EnumerateMatches(signer.SignerID).FirstOrDefault()
            ?? throw new InvalidOperationException("the signer's certificate is not in the CMS");
        var spki = Convert.ToHexString(SHA256.HashData(certificate.CertificateStructure.SubjectPublicKeyInfo.GetDerEncoded()));
        if (!signer.Verify(Keys.GetOrAdd(spki, _ => certificate.GetPublicKey()))) throw new InvalidOperationException("the signature does not verify");
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Org.BouncyCastle.Crypto.AsymmetricKeyParameter> Keys = new();

    /// <summary>The event of the issuing clinic's feed, as the outbox writer appends it (the clinic is known here).</summary>
    private static Task ClinicEventAsync(DbConnection connection, DbTransaction transaction, string id, string type, string payload, DateTime now) =>
        ExecuteAsync(connection, transaction,
            """
            INSERT INTO clinic_events (id, clinic_client_id, prescription_id, type, at, pharmacy_client_id, payload)
            VALUES (@event, @clinic, @id, @type, @now, @pharmacy, @payload)
            """,
            ("event", "cev_" + Guid.NewGuid().ToString("N")), ("clinic", DevClients.Clinic.Id), ("id", id), ("type", type), ("now", now),
            ("pharmacy", DevClients.Pharmacy.Id), ("payload", payload));

    private Task HistoryAndAuditAsync(DbConnection connection, DbTransaction transaction, string id, string action, string? from, string to,
        string clientId, string role, DateTime now) =>
        ExecuteAsync(connection, transaction,
            """
            INSERT INTO prescription_history (prescription_id, at, action, from_status, to_status, client_id, correlation_id)
            VALUES (@id, @now, @action, @from, @to, @client, @id);
            INSERT INTO audit_log (at, client_id, client_role, action, prescription_id, outcome, status_code, correlation_id)
            VALUES (@now, @client, @role, @action, @id, 'OK', 200, @id)
            """,
            ("id", id), ("now", now), ("action", action), ("from", from), ("to", to), ("client", clientId), ("role", role));

    /// <summary>
    /// One transaction and its commit, through the service's transaction runner: on SQLite that is its one writer, which runs
    /// whatever transactions are waiting in one commit (group commit, <c>SqliteGroupCommit</c>); elsewhere a transaction of its
    /// own on a pooled connection.
    /// </summary>
    private static Task CommitAsync(Database database, Func<DbConnection, DbTransaction, Task> work) => database.InTransactionAsync(work);

    private static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value switch
            {
                null => DBNull.Value,
                DateOnly date when connection is Microsoft.Data.Sqlite.SqliteConnection => date.ToString("yyyy-MM-dd"),
                _ => value,
            };
            command.Parameters.Add(parameter);
        }
        return await command.ExecuteNonQueryAsync();
    }
}
