using System.Diagnostics;
using System.Security.Cryptography;
using Dapper;
using EPrescription.Contracts;
using EPrescription.LoadGenerator.Documents;
using EPrescription.LoadGenerator.Measuring;
using EPrescription.NotebookSync.Links;
using EPrescription.NotebookSync.Records;
using EPrescription.Server;
using EPrescription.Server.Clients;
using EPrescription.Server.Messaging;
using EPrescription.Server.Prescriptions;
using EPrescription.Server.Storage;
using EPrescription.Signatures.Trust;
using EPrescription.Signatures.Verification;
using Microsoft.Extensions.Options;

namespace EPrescription.LoadGenerator.Floor;

/// <summary>
/// The handler floor: what a lifecycle costs with no HTTP and no bus. The same use-case handlers the server runs, called in process on
/// a fresh database — register (prescriber's signature verified, one commit), receive (one commit), dispense (pharmacist's
/// signature verified, one commit), and the notebook record written by <see cref="RecordWriter"/> in its own transaction with
/// its processed-message record, as the DispensingRecordedConsumer does. What the server adds on top — HTTP, API-key lookups,
/// audit entries, the bus round trips, the outbox relay, the feed — is the difference to a normal run.
/// </summary>
internal sealed class HandlerFloorRun(FloorOptions options, TextWriter progress)
{
    public async Task<Report> RunAsync()
    {
        var (connectionString, sqliteFolder) = FloorDatabase.ConnectionString(options);
        try
        {
            return await RunOnAsync(new Database(options.Provider, connectionString));
        }
        finally
        {
            FloorDatabase.Remove(sqliteFolder);
        }
    }

    private async Task<Report> RunOnAsync(Database database)
    {
        var time = TimeProvider.System;
        await new Migrator(database).MigrateAsync();
        await DevClients.SeedAsync(new ClientStore(database, time));

        using var trust = new TrustStore(new TrustStoreOptions
        {
            TrustAnchors = [Path.Combine(options.Certs, "trust")],
            Crls = [Path.Combine(options.Certs, "trust")],
        });
        var verifier = new CmsSignatureVerifier(trust, time);
        var patientKeys = new PatientKeys(Options.Create(new PatientKeyOptions { Secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }));
        var store = new PrescriptionStore(database, time);
        var processed = new ProcessedMessages(database);
        var steps = new Steps(
            new Register.Handler(database, verifier, patientKeys, time),
            new Receive.Handler(store, processed, time),
            new Dispense.Handler(store, processed, verifier, time),
            processed,
            new RecordWriter(time));

        var documents = LifecycleDocuments.Load(options.Certs);
        var pool = new PrescriptionPool(documents);
        pool.TopUp(options.Warmup > TimeSpan.Zero ? PrescriptionPool.WarmupTarget(options.Warmup, options.Clients) : options.Pool ?? 5000, progress);

        // One notebook link for each patient the lifecycles are spread over, as in a normal run.
        await Parallel.ForEachAsync(documents.Sign(LifecycleDocuments.Patients), new ParallelOptions { MaxDegreeOfParallelism = options.Clients },
            async (first, _) =>
            {
                var linking = await steps.Register.HandleAsync(new Register.Request(first.DocumentBase64, first.SignatureBase64, null, null), Callers.Clinic(), null);
                await new LinkPatient.Handler(database, store, steps.Records, time).HandleAsync(
                    new LinkPatient.Request(linking.Response.PrescriptionId, linking.Response.ExchangeCode), Callers.NotebookApp());
            });

        return await new FloorPhases(options, progress, Report.HandlerFloorKind, "handler floor").RunAsync(pool,
            (prescription, lap) => LifecycleAsync(steps, documents, prescription, lap),
            e => e switch
            {
                DomainException refusal => refusal.Code,
                System.Data.Common.DbException database => "database: " + database.GetType().Name,
                _ => null,
            });
    }

    private static async Task LifecycleAsync(Steps steps, LifecycleDocuments documents, SignedPrescription prescription, Lap lap)
    {
        var correlation = Guid.NewGuid();
        var registered = (await steps.Register.HandleAsync(
            new Register.Request(prescription.DocumentBase64, prescription.SignatureBase64, null, null), Callers.Clinic(correlation), null)).Response;

        lap.Next(Operations.Receive);
        Expect<PrescriptionHandedOver>(await steps.Receive.HandleAsync(
            new ReceivePrescription(Guid.NewGuid(), correlation, registered.PrescriptionId, registered.ExchangeCode, DevClients.Pharmacy.Id),
            delivery: Delivery.InProcess));

        lap.Next(Operations.Dispense);
        var accepted = Expect<DispensingAccepted>(await steps.Dispense.HandleAsync(new RecordDispensing(
            Guid.NewGuid(), correlation, registered.PrescriptionId, DevClients.Pharmacy.Id, [], documents.SignedDispensing, false, null),
            delivery: Delivery.InProcess)); // as the service calls them where one process runs the edge and the server

        lap.Next(Operations.RecordWritten);
        await WriteRecordAsync(steps, accepted.DispensingId);
    }

    /// <summary>What DispensingRecordedConsumer does with the event: the record for every linked app, once, in one transaction.</summary>
    private static Task WriteRecordAsync(Steps steps, string dispensingId) =>
        steps.Processed.HandleEventOnceAsync("notebook-sync", Guid.NewGuid(), async (connection, transaction) =>
        {
            var dispensing = await connection.QuerySingleAsync<DispensingSource>(DispensingSource.Select + " WHERE d.id = @id", new { id = dispensingId }, transaction);
            await steps.Records.LockPatientAsync(connection, transaction, dispensing.PatientKey);
            var links = await connection.QueryAsync<LinkRow>(RecordWriter.SelectLinks + " WHERE l.patient_key = @patientKey",
                new { patientKey = dispensing.PatientKey }, transaction);
            foreach (var link in links) await steps.Records.AddAsync(connection, transaction, link, dispensing);
        });

    private static T Expect<T>(object reply) where T : class => reply switch
    {
        T expected => expected,
        PrescriptionRequestRefused refused => throw ProcessedMessages.ToException(refused),
        _ => throw new InvalidOperationException($"Unexpected reply {reply.GetType().Name}."),
    };

    private sealed record Steps(Register.Handler Register, Receive.Handler Receive, Dispense.Handler Dispense, ProcessedMessages Processed, RecordWriter Records);

    /// <summary>The development clients as the use cases see an authenticated caller.</summary>
    private static class Callers
    {
        public static Caller Clinic(Guid? correlation = null) =>
            new(DevClients.Clinic.Id, ClientRole.Clinic, DevClients.Clinic.Name, DevClients.Clinic.InstitutionCode, correlation ?? Guid.NewGuid());

        public static Caller NotebookApp() =>
            new(DevClients.NotebookApp.Id, ClientRole.NotebookApp, DevClients.NotebookApp.Name, null, Guid.NewGuid());
    }
}
