using EPrescription.Server.Messaging;
using EPrescription.Server.Telemetry;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EPrescription.Api.Infrastructure;

/// <summary>Configuration section "Telemetry".</summary>
public sealed class TelemetryOptions
{
    /// <summary>service.name of the metrics and traces.</summary>
    public string ServiceName { get; set; } = "eprescription";

    public TracingOptions Tracing { get; set; } = new();

    /// <summary>Where traces go over OTLP; the standard OTEL_EXPORTER_OTLP_* variables work as well.</summary>
    public OtlpOptions Otlp { get; set; } = new();

    public sealed class TracingOptions
    {
        /// <summary>Record traces. Null (the default): only when an OTLP endpoint is configured.</summary>
        public bool? Enabled { get; set; }

        /// <summary>Share of traces recorded (0–1), decided where a trace starts; the rest of the trace follows that decision.</summary>
        public double SampleRatio { get; set; } = 1.0;
    }

    public sealed class OtlpOptions
    {
        /// <summary>e.g. http://otel-collector:4317 (gRPC) or http://otel-collector:4318/v1/traces with Protocol http/protobuf.</summary>
        public string? Endpoint { get; set; }

        /// <summary>grpc (default) or http/protobuf.</summary>
        public string? Protocol { get; set; }
    }
}

/// <summary>
/// Metrics, traces and logs for operators (SPEC §12), with the OpenTelemetry SDK. Metrics are always on and scraped by
/// Prometheus at /metrics: HTTP server durations by route and status (ASP.NET Core's own meters), the rate limiter, MassTransit's
/// message counts and durations, Npgsql's command durations, and the domain's meter (<see cref="DomainMeters"/>,
/// <see cref="BacklogGauges"/>). Traces (W3C trace context) are recorded only when an OTLP endpoint is configured, or
/// Telemetry:Tracing:Enabled says so: otherwise no span is created beyond the request's own activity, whose trace id is in
/// problem documents and log lines. Logs become JSON lines with Logging:Console:FormatterName=json, trace and span ids in
/// their scopes.
/// </summary>
public static class Observability
{
    public const string MetricsPath = "/metrics";

    /// <summary>Paths that are not the API: never traced, never rate limited.</summary>
    public static bool IsOperational(PathString path) =>
        path.StartsWithSegments(MetricsPath) || path.StartsWithSegments("/health") || path.StartsWithSegments("/docs") || path.StartsWithSegments("/openapi");

    public static void Add(WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Telemetry").Get<TelemetryOptions>() ?? new TelemetryOptions();
        var bus = builder.Configuration.GetSection("Bus").Get<BusOptions>() ?? new BusOptions();
        var otlpEndpoint = string.IsNullOrWhiteSpace(options.Otlp.Endpoint) ? builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] : options.Otlp.Endpoint;
        var tracing = options.Tracing.Enabled ?? !string.IsNullOrWhiteSpace(otlpEndpoint);

        var roles = string.Join(",", new[] { "api", bus.RunPrescriptionServer ? "prescription-server" : null, bus.RunNotebookSync ? "notebook-sync" : null }.OfType<string>());
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(options.ServiceName, serviceVersion: typeof(Observability).Assembly.GetName().Version?.ToString())
                .AddAttributes([new KeyValuePair<string, object>("eprx.roles", roles)]))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddMeter("Microsoft.AspNetCore.RateLimiting", DomainMeters.MeterName, "MassTransit", "Npgsql")
                // Every scrape sees the counts of that moment; Prometheus scrapes seldom enough that caching buys nothing.
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        if (tracing)
        {
            telemetry.WithTracing(traces =>
            {
                traces.SetSampler(new ParentBasedSampler(new RootSampler(options.Tracing.SampleRatio)))
                    .AddAspNetCoreInstrumentation(http => http.Filter = context => !IsOperational(context.Request.Path))
                    .AddSource(DomainTraces.SourceName, "MassTransit", "Npgsql");
                if (!string.IsNullOrWhiteSpace(otlpEndpoint))
                {
                    traces.AddOtlpExporter(otlp =>
                    {
                        otlp.Endpoint = new Uri(otlpEndpoint);
                        if (options.Otlp.Protocol is "http/protobuf") otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
                    });
                }
            });
        }

        builder.Services.Configure<BacklogOptions>(builder.Configuration.GetSection("Telemetry:Backlog"));
        builder.Services.PostConfigure<BacklogOptions>(backlog =>
        {
            backlog.Outbox ??= bus.RunPrescriptionServer;
            backlog.Webhooks ??= bus.RunNotebookSync;
        });
        builder.Services.AddHostedService<BacklogGauges>();

        // JSON lines carry the scopes, and with them the trace and span ids of the activity each line was written in.
        builder.Services.Configure<JsonConsoleFormatterOptions>(json =>
        {
            json.IncludeScopes = true;
            if (json.TimestampFormat is null)
            {
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            }
            // Japanese names of clinics and pharmacies stay readable instead of \u-escaped.
            json.JsonWriterOptions = json.JsonWriterOptions with { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        });
    }

    /// <summary>Serves /metrics.</summary>
    public static void Map(WebApplication app) => app.MapPrometheusScrapingEndpoint(MetricsPath);

    /// <summary>True when the console writes JSON lines (Logging:Console:FormatterName=json).</summary>
    public static bool JsonLogs(IConfiguration configuration) =>
        string.Equals(configuration["Logging:Console:FormatterName"], ConsoleFormatterNames.Json, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Where a trace starts: database commands with no parent are the background workers polling (outbox relay, webhook
    /// dispatcher, sweeper); traced, they would bury the traces that matter. Everything else is sampled by ratio.
    /// </summary>
    private sealed class RootSampler(double ratio) : Sampler
    {
        private readonly TraceIdRatioBasedSampler _ratio = new(Math.Clamp(ratio, 0, 1));

        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            samplingParameters.Kind == System.Diagnostics.ActivityKind.Client
                ? new SamplingResult(SamplingDecision.Drop)
                : _ratio.ShouldSample(samplingParameters);
    }
}
