using EPrescription.Api.Infrastructure;
using EPrescription.Contracts;
using EPrescription.Server.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;

namespace EPrescription.Api.Prescriptions;

/// <summary>
/// How the HTTP edge asks the prescription server to receive, return or dispense. Where the server runs in this process (the
/// embedded mode, and a single-process server deployment) the request is handled right here by the same code and transaction
/// the bus consumer runs (<see cref="PrescriptionRequestHandling"/>), without paying a round trip through the bus; an API-only
/// process, or <c>Bus:PharmacyRequests=Bus</c>, sends it over the bus (request/response) to whichever process runs the server.
/// Either way a refusal becomes the domain exception it stands for, every reply was audited by the server in the transaction
/// that produced it, and an outage — no answer in time, a broker or database that cannot be reached — is a 503.
/// </summary>
internal sealed class PrescriptionRequests(IServiceProvider services, IOptions<BusOptions> options)
{
    private readonly PrescriptionRequestHandling? _inProcess =
        options.Value is { RunPrescriptionServer: true, PharmacyRequests: PharmacyRequestPath.InProcess }
            ? services.GetRequiredService<PrescriptionRequestHandling>()
            : null;

    public async Task<TReply> SendAsync<TCommand, TReply>(TCommand command, HttpContext http) where TCommand : class where TReply : class
    {
        var reply = _inProcess is { } server ? await HandleHereAsync(server, command, http.RequestAborted) : await OverTheBusAsync<TCommand, TReply>(command, http);
        http.AuditedByUseCase();
        return reply switch
        {
            TReply ok => ok,
            PrescriptionRequestRefused refused => throw ProcessedMessages.ToException(refused),
            _ => throw new InvalidOperationException($"The prescription server answered {typeof(TCommand).Name} with {reply.GetType().Name}."),
        };
    }

    private static Task<object> HandleHereAsync<TCommand>(PrescriptionRequestHandling server, TCommand command, CancellationToken cancellationToken) => command switch
    {
        ReceivePrescription receive => server.ReceiveAsync(receive, cancellationToken, Delivery.InProcess),
        ReturnPrescription @return => server.ReturnAsync(@return, cancellationToken, Delivery.InProcess),
        RecordDispensing dispense => server.DispenseAsync(dispense, cancellationToken, Delivery.InProcess),
        _ => throw new ArgumentOutOfRangeException(nameof(command), typeof(TCommand).Name, "Not a pharmacy request."),
    };

    private async Task<object> OverTheBusAsync<TCommand, TReply>(TCommand command, HttpContext http) where TCommand : class where TReply : class
    {
        var client = services.GetRequiredService<IRequestClient<TCommand>>();
        var response = await client.GetResponse<TReply, PrescriptionRequestRefused>(command, http.RequestAborted);
        if (response.Is(out Response<TReply>? ok)) return ok!.Message;
        response.Is(out Response<PrescriptionRequestRefused>? refused);
        return refused!.Message;
    }
}
