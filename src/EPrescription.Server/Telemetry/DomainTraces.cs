using System.Diagnostics;

namespace EPrescription.Server.Telemetry;

/// <summary>
/// The service's own spans (activity source <c>EPrescription</c>). HTTP, the bus and PostgreSQL bring theirs (ASP.NET Core,
/// MassTransit, Npgsql); what they cannot see is the outbox, where an event waits between the transaction that wrote it and
/// the relay that publishes it, maybe in another process. The writer stores the W3C traceparent with the event and the relay
/// publishes under a span continuing it, so one trace runs from the HTTP request to the notebook record.
/// </summary>
public static class DomainTraces
{
    public const string SourceName = "EPrescription";

    private static readonly ActivitySource Source = new(SourceName, typeof(DomainTraces).Assembly.GetName().Version?.ToString());

    /// <summary>The W3C traceparent of the current span, to store with an outbox event; null when nothing is traced.</summary>
    public static string? CurrentTraceParent() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// The span under which the relay publishes one stored event, continuing the trace that wrote it; null when the event has
    /// no trace or nobody listens (tracing off).
    /// </summary>
    public static Activity? StartPublish(string? traceParent, string messageType)
    {
        if (traceParent is null || !Source.HasListeners() || !ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent)) return null;
        var activity = Source.StartActivity("outbox publish", ActivityKind.Internal, parent);
        activity?.SetTag("messaging.message.type", messageType);
        return activity;
    }
}
