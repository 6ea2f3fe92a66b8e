using Dapper;
using EPrescription.Contracts;
using EPrescription.Server.Messaging;
using MassTransit;

namespace EPrescription.NotebookSync.Records;

/// <summary>
/// Turns each DispensingRecorded into a dispensing record for every app linked to that patient. At-least-once delivery is
/// fine: the processed-message record and the per-app uniqueness of records make a redelivery change nothing. Any number of
/// notebook-sync processes may consume side by side: they only wait for each other on events of the same patient.
/// </summary>
internal sealed class DispensingRecordedConsumer(ProcessedMessages processed, RecordWriter records) : IConsumer<DispensingRecorded>
{
    public Task Consume(ConsumeContext<DispensingRecorded> context) =>
        processed.HandleEventOnceAsync("notebook-sync", context.Message.MessageId, async (connection, transaction) =>
        {
            var dispensing = await connection.QuerySingleOrDefaultAsync<DispensingSource>(
                DispensingSource.Select + " WHERE d.id = @id", new { id = context.Message.DispensingId }, transaction)
                ?? throw new InvalidOperationException($"Dispensing {context.Message.DispensingId} is not in the database.");
            // Before any write of this transaction (see FeedOrder): events of one patient wait for each other here, nobody else does.
            await records.LockPatientAsync(connection, transaction, dispensing.PatientKey);
            var links = await connection.QueryAsync<LinkRow>(RecordWriter.SelectLinks + " WHERE l.patient_key = @patientKey",
                new { patientKey = dispensing.PatientKey }, transaction);
            foreach (var link in links)
            {
                // Events may be consumed out of order (concurrent consumers in several processes, retries, a backlog after an
                // outage): the patient's earlier dispensings since the link whose events have not been consumed yet are recorded
                // first, so records follow dispensing order. Their own events then find them recorded and add nothing. Only those
                // after the link's latest recorded dispensing are looked at, so a long history is not read again on every event;
                // a dispensing that committed after a later one was recorded is still recorded by its own event.
                var due = await connection.QueryAsync<DispensingSource>(
                    DispensingSource.Select +
                    """
                     WHERE d.patient_key = @patientKey
                       AND (d.id = @id OR (d.sequence < @sequence AND d.recorded_at >= @linkedAt
                            AND d.sequence > COALESCE((SELECT MAX(r.dispensing_sequence) FROM notebook_records r WHERE r.link_id = @link), 0)))
                       AND NOT EXISTS (SELECT 1 FROM notebook_records r WHERE r.app_client_id = @app AND r.dispensing_id = d.id)
                     ORDER BY d.sequence
                    """,
                    new { patientKey = dispensing.PatientKey, id = dispensing.Id, sequence = dispensing.Sequence, linkedAt = link.CreatedAt, link = link.Id, app = link.AppClientId },
                    transaction);
                foreach (var earlierOrThis in due) await records.AddAsync(connection, transaction, link, earlierOrThis);
            }
        }, context.CancellationToken);
}

/// <summary>
/// Retries ride out a database or broker restart of half a minute, as the prescription server's consumers do (every failure is
/// retried: an event has no caller to answer); what still fails goes to the error queue, never silently dropped.
/// </summary>
internal sealed class DispensingRecordedConsumerDefinition : ConsumerDefinition<DispensingRecordedConsumer>
{
    public DispensingRecordedConsumerDefinition() => ConcurrentMessageLimit = 8;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DispensingRecordedConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseMessageRetry(retry => retry.Intervals(ConsumerRetry.Intervals));
}
