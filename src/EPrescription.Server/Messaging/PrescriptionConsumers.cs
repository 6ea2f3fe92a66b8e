using EPrescription.Contracts;
using EPrescription.Server.Prescriptions;
using MassTransit;

namespace EPrescription.Server.Messaging;

/// <summary>
/// The prescription server's side of the bus: it owns every state change a pharmacy asks for. Each consumer answers its
/// request with the use case's reply (or refusal); the effects are exactly-once through <see cref="ProcessedMessages"/>.
/// </summary>
internal sealed class ReceivePrescriptionConsumer(Receive.Handler handler) : IConsumer<ReceivePrescription>
{
    public async Task Consume(ConsumeContext<ReceivePrescription> context)
    {
        var reply = await handler.HandleAsync(context.Message, context.CancellationToken);
        await context.RespondAsync(reply, reply.GetType());
    }
}

internal sealed class ReturnPrescriptionConsumer(Return.Handler handler) : IConsumer<ReturnPrescription>
{
    public async Task Consume(ConsumeContext<ReturnPrescription> context)
    {
        var reply = await handler.HandleAsync(context.Message, context.CancellationToken);
        await context.RespondAsync(reply, reply.GetType());
    }
}

internal sealed class RecordDispensingConsumer(Dispense.Handler handler) : IConsumer<RecordDispensing>
{
    public async Task Consume(ConsumeContext<RecordDispensing> context)
    {
        var reply = await handler.HandleAsync(context.Message, context.CancellationToken);
        await context.RespondAsync(reply, reply.GetType());
    }
}

/// <summary>
/// Shared endpoint settings of the prescription consumers: a few quick retries for transient database errors (a domain
/// refusal is a reply, not an error, so it is never retried); what still fails goes to the endpoint's error queue.
/// </summary>
internal sealed class PrescriptionConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    public PrescriptionConsumerDefinition() => ConcurrentMessageLimit = 16;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        endpointConfigurator.UseMessageRetry(retry => retry.Intervals(50, 200, 1000, 3000));
}
