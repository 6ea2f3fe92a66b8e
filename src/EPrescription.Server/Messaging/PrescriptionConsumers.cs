using EPrescription.Contracts;
using EPrescription.Server.Audit;
using EPrescription.Server.Failures;
using EPrescription.Server.Prescriptions;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace EPrescription.Server.Messaging;

/// <summary>
/// The prescription server's side of the bus: it owns every state change a pharmacy asks for. Each consumer answers its
/// request with the use case's reply (or refusal); the effects are exactly-once through <see cref="ProcessedMessages"/>.
/// </summary>
internal sealed class ReceivePrescriptionConsumer(PrescriptionRequestHandling handling) : IConsumer<ReceivePrescription>
{
    public async Task Consume(ConsumeContext<ReceivePrescription> context)
    {
        var reply = await handling.ReceiveAsync(context.Message, context.CancellationToken);
        await context.RespondAsync(reply, reply.GetType());
    }
}

internal sealed class ReturnPrescriptionConsumer(PrescriptionRequestHandling handling) : IConsumer<ReturnPrescription>
{
    public async Task Consume(ConsumeContext<ReturnPrescription> context)
    {
        var reply = await handling.ReturnAsync(context.Message, context.CancellationToken);
        await context.RespondAsync(reply, reply.GetType());
    }
}

internal sealed class RecordDispensingConsumer(PrescriptionRequestHandling handling) : IConsumer<RecordDispensing>
{
    public async Task Consume(ConsumeContext<RecordDispensing> context)
    {
        var reply = await handling.DispenseAsync(context.Message, context.CancellationToken);
        await context.RespondAsync(reply, reply.GetType());
    }
}

/// <summary>
/// The prescription server's answer to each pharmacy request, the same whether the request came over the bus (the consumers
/// above) or from the HTTP edge in the same process (<see cref="BusOptions.PharmacyRequests"/>): the use case's reply or
/// refusal, or INTERNAL_ERROR for a defect. An outage is thrown, for the bus to retry or the edge to answer 503.
/// </summary>
internal sealed class PrescriptionRequestHandling(Receive.Handler receive, Return.Handler @return, Dispense.Handler dispense, AuditLog audit,
    ILogger<PrescriptionRequestHandling> logger)
{
    public Task<object> ReceiveAsync(ReceivePrescription command, CancellationToken cancellationToken, Delivery delivery = Delivery.Bus) =>
        Answering.AnswerAsync(command.CorrelationId, AuditActions.Receive, command.PharmacyClientId, command.PrescriptionId,
            () => receive.HandleAsync(command, cancellationToken, delivery), audit, logger, cancellationToken);

    public Task<object> ReturnAsync(ReturnPrescription command, CancellationToken cancellationToken, Delivery delivery = Delivery.Bus) =>
        Answering.AnswerAsync(command.CorrelationId, AuditActions.Return, command.PharmacyClientId, command.PrescriptionId,
            () => @return.HandleAsync(command, cancellationToken, delivery), audit, logger, cancellationToken);

    public Task<object> DispenseAsync(RecordDispensing command, CancellationToken cancellationToken, Delivery delivery = Delivery.Bus) =>
        Answering.AnswerAsync(command.CorrelationId, AuditActions.Dispense, command.PharmacyClientId, command.PrescriptionId,
            () => dispense.HandleAsync(command, cancellationToken, delivery), audit, logger, cancellationToken);
}

/// <summary>
/// How a prescription consumer answers. An outage (database or broker not answering) is thrown, so the bus retries the message
/// with back-off (<see cref="PrescriptionConsumerDefinition{TConsumer}"/>). A defect is not worth retrying: it is answered at
/// once with INTERNAL_ERROR, audited, and logged by exception type and code location only, because exception messages may quote
/// the document (the bus would log them, and carry them into the error queue, if the consumer threw).
/// </summary>
internal static class Answering
{
    public static async Task<object> AnswerAsync(Guid correlationId, string action, string pharmacyClientId, string prescriptionId,
        Func<Task<object>> handle, AuditLog audit, ILogger logger, CancellationToken cancellationToken)
    {
        object reply;
        try
        {
            reply = await handle();
        }
        catch (Exception e) when (!Outages.Is(e) && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            logger.LogError("{Action} failed with a defect: {Exception}; correlation {CorrelationId}", action, ExceptionSummary.Of(e), correlationId);
            var refusal = ProcessedMessages.Refusal(correlationId, new DomainException(ErrorCodes.InternalError,
                $"The prescription server failed to handle the request; it has been logged under correlation id {correlationId}. Quote it when reporting."));
            try
            {
                // Nothing was changed (the transaction rolled back); the refusal is still audited, as every request is.
                await audit.WriteAsync(pharmacyClientId, "pharmacy", action, prescriptionId, refusal.Code, ErrorCodes.StatusOf(refusal.Code),
                    correlationId.ToString(), CancellationToken.None);
            }
            catch (Exception auditFailure) when (Outages.Is(auditFailure))
            {
                logger.LogWarning("Audit entry of a failed {Action} not written: {Exception}", action, ExceptionSummary.Of(auditFailure));
            }
            reply = refusal;
        }
        return reply;
    }
}

/// <summary>
/// Shared endpoint settings of the prescription consumers. Only outages reach the retry (a refusal is a reply, a defect is
/// answered with INTERNAL_ERROR): they are retried with back-off for about 45 s, long enough to ride out a database or broker
/// restart of half a minute, before the message is parked in the endpoint's error queue.
/// </summary>
internal sealed class PrescriptionConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    public PrescriptionConsumerDefinition() => ConcurrentMessageLimit = 16;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Handle<Exception>(Outages.Is);
            retry.Intervals(ConsumerRetry.Intervals);
        });
}

/// <summary>How long every consumer rides out an outage before a message is parked in its error queue: about 45 s.</summary>
public static class ConsumerRetry
{
    /// <summary>The pauses between attempts: quick at first (a dropped connection), then every 5 s.</summary>
    public static readonly TimeSpan[] Intervals =
        [.. new[] { 100, 250, 500, 1000, 2000, 4000 }.Select(ms => TimeSpan.FromMilliseconds(ms)), .. Enumerable.Repeat(TimeSpan.FromSeconds(5), 7)];
}
