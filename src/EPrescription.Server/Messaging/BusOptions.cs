namespace EPrescription.Server.Messaging;

public enum BusTransport
{
    /// <summary>The embedded default: every role in one process.</summary>
    InMemory,
    RabbitMq,
}

/// <summary>How a pharmacy request reaches a prescription server that runs in the same process.</summary>
public enum PharmacyRequestPath
{
    InProcess,
    Bus,
}

/// <summary>Configuration section "Bus".</summary>
public sealed class BusOptions
{
    public BusTransport Transport { get; set; } = BusTransport.InMemory;

    /// <summary>AMQP URI, e.g. amqp://guest:guest@localhost:5672/.</summary>
    public string RabbitMqUri { get; set; } = "amqp://guest:guest@localhost:5672/";

    /// <summary>
    /// Prefix of this deployment's queue and exchange names, so several deployments (or test runs) can share one broker
    /// without consuming each other's messages. Empty by default. A RabbitMQ virtual host per deployment (in the URI) isolates
    /// them as well.
    /// </summary>
    public string? EndpointPrefix { get; set; }

    /// <summary>How long the HTTP edge waits for the prescription server to answer a pharmacy request.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>This process runs the prescription server's consumers and the outbox relay (false for an API-only process).</summary>
    public bool RunPrescriptionServer { get; set; } = true;

    /// <summary>
    /// Where a pharmacy request goes when this process also runs the prescription server: <c>InProcess</c> (the default) calls
    /// the server's handler directly, the same code and transaction the consumer runs, without a round trip through the bus;
    /// <c>Bus</c> sends it over the bus even so. An API-only process always uses the bus.
    /// </summary>
    public PharmacyRequestPath PharmacyRequests { get; set; } = PharmacyRequestPath.InProcess;

    /// <summary>This process runs the notebook sync: the DispensingRecorded consumer and the webhook dispatcher.</summary>
    public bool RunNotebookSync { get; set; } = true;

    /// <summary>How often the outbox relay looks for unpublished events when it has not been woken.</summary>
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}
