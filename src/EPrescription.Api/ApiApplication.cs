using EPrescription.Api.Audit;
using EPrescription.Api.MedicationChecks;
using EPrescription.Api.Feedback;
using EPrescription.Api.Notebook;
using EPrescription.NotebookSync.Links;
using EPrescription.NotebookSync.Records;
using EPrescription.NotebookSync.Webhooks;
using EPrescription.Api.Infrastructure;
using EPrescription.Api.Prescriptions;
using EPrescription.Server.Audit;
using EPrescription.Server.Clients;
using EPrescription.Server.MedicationChecks;
using EPrescription.Server.Feedback;
using EPrescription.Server.Prescriptions;
using EPrescription.Server.Storage;
using EPrescription.Signatures.Trust;
using EPrescription.Signatures.Verification;
using EPrescription.Server.Messaging;
using EPrescription.Server.Outbox;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace EPrescription.Api;

/// <summary>
/// Builds the service. Embedded mode (the default) needs no configuration: SQLite under ./data/, the development PKI in
/// certs-dev/ trusted, development clients seeded. Server mode is the same binary with Database, Signatures and PatientKeys
/// configured (appsettings or environment variables such as Database__Provider=PostgreSql).
/// </summary>
public static class ApiApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json ships next to the binary; ./data and certs-dev stay relative to the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = RequestBody.MaxBytes);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]) && !Https.HasEndpoints(builder.Configuration))
            builder.WebHost.UseUrls("http://127.0.0.1:5080");

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.Configure<DatabaseOptions>(builder.Configuration.GetSection("Database"));
        services.Configure<PatientKeyOptions>(builder.Configuration.GetSection("PatientKeys"));
        services.Configure<SignatureOptions>(builder.Configuration.GetSection("Signatures"));
        services.AddSingleton<Database>();
        services.AddSingleton<Migrator>();
        services.AddSingleton<PatientKeys>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SignatureOptions>>().Value;
            // Configured anchors replace the embedded default: binding appends to a list, so a default in the list itself
            // would keep trusting the development PKI next to the configured one.
            var configured = options.TrustAnchors.Count > 0;
            return new TrustStore(new TrustStoreOptions
            {
                TrustAnchors = configured ? options.TrustAnchors : [SignatureOptions.EmbeddedTrust],
                Crls = configured ? options.Crls : [SignatureOptions.EmbeddedTrust],
                WatchForChanges = options.WatchForChanges,
            });
        });
        services.AddSingleton(sp => new CmsSignatureVerifier(sp.GetRequiredService<TrustStore>(), sp.GetRequiredService<TimeProvider>()));
        // Most requests then find their key in memory; see ClientStore for how revocations take effect.
        var keyCacheLifetime = builder.Configuration.GetValue("Authentication:KeyCacheLifetime", ClientStore.DefaultKeyCacheLifetime);
        services.AddSingleton(sp => new ClientStore(sp.GetRequiredService<Database>(), sp.GetRequiredService<TimeProvider>(), keyCacheLifetime));
        services.AddSingleton<AuditLog>();
        services.AddSingleton<PrescriptionStore>();
        services.AddSingleton<Register.Handler>();
        services.AddSingleton<MedicationStore>();
        services.AddSingleton<MedicationCheck.Handler>();
        services.AddSingleton<GetStatus.Handler>();
        services.AddSingleton<Cancel.Handler>();
        services.AddSingleton<GetSlip.Handler>();
        services.AddSingleton<ProcessedMessages>();
        services.AddSingleton<Receive.Handler>();
        services.AddSingleton<Return.Handler>();
        services.AddSingleton<Dispense.Handler>();
        services.AddSingleton<PrescriptionRequestHandling>();
        services.AddSingleton<PrescriptionRequests>();
        services.AddSingleton<RecordWriter>();
        services.AddSingleton<LinkPatient.Handler>();
        services.AddSingleton<Feed.Handler>();
        services.AddSingleton<Deliveries>();
        services.AddSingleton<GetDispensings.Handler>();
        services.AddSingleton<ClinicFeed.Handler>();
        services.Configure<WebhookOptions>(builder.Configuration.GetSection("NotebookSync:Webhooks"));
        services.AddHttpClient(WebhookDispatcher.HttpClientName);
        AddBus(builder);
        Observability.Add(builder);
        RateLimits.Add(builder);
        services.AddSingleton<ClientAuthentication>();
        services.AddSingleton<AuditAndProblems>();
        services.AddOpenApi("v1", options =>
        {
            // Use cases nest their Request/Response types (Register.Request, LinkPatient.Request): name schemas after both, so
            // each operation points at its own body and not at another "Request".
            options.CreateSchemaReferenceId = type => type.Type.DeclaringType is { } outer && !type.Type.IsGenericType
                ? outer.Name + type.Type.Name
                : Microsoft.AspNetCore.OpenApi.OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "EPrescription API";
                document.Info.Version = "v1";
                document.Info.Description = "Electronic-prescription brokerage: clinics register signed JAHIS prescriptions, pharmacies redeem them, notebook apps receive dispensing records.";
                return Task.CompletedTask;
            });
        });
        // MassTransit registers its own "masstransit-bus" check, tagged "ready".
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);

        configure?.Invoke(builder);
        Https.Check(builder.Configuration);

        var app = builder.Build();
        app.Use(UnhandledErrors.Middleware(app.Logger));
        app.UseStatusCodePages(async status =>
        {
            var context = status.HttpContext;
            // Answers the framework gives before an endpoint runs (no route, wrong method, wrong content type) get problem documents too.
            var (code, detail) = context.Response.StatusCode switch
            {
                404 => ("NOT_FOUND", $"There is no endpoint {context.Request.Method} {context.Request.Path}."),
                405 => ("METHOD_NOT_ALLOWED", $"{context.Request.Method} is not allowed on {context.Request.Path}."),
                415 => ("UNSUPPORTED_MEDIA_TYPE", $"Send the body as JSON with 'Content-Type: application/json' (got '{context.Request.ContentType}')."),
                413 => (Server.ErrorCodes.PayloadTooLarge, $"Request bodies are limited to {RequestBody.MaxBytes / 1024} KiB."),
                503 => (Server.ErrorCodes.ServiceUnavailable, "The service cannot answer right now; send the same request again after Retry-After seconds."),
                var other => (other >= 500 ? "INTERNAL_ERROR" : "REQUEST_INVALID", $"The request could not be handled (HTTP {other})."),
            };
            await Problems.WriteAsync(context, code, detail);
        });

        RateLimits.Use(app);
        ApiReference.Use(app);
        Observability.Map(app);
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapHealthChecks("/health/live", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });

        var v1 = app.MapGroup("/v1")
            .AddEndpointFilter<AuditAndProblems>()
            .AddEndpointFilter<ClientAuthentication>()
            .RequireRateLimiting(RateLimits.Policy)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        PrescriptionEndpoints.Map(v1);
        PharmacyEndpoints.Map(v1);
        NotebookEndpoints.Map(v1);
        MedicationCheckEndpoints.Map(v1);
        FeedbackEndpoints.Map(v1);
        AuditEndpoints.Map(v1);
        return app;
    }

    /// <summary>
    /// The bus: in memory for the embedded default, RabbitMQ (quorum queues, publisher confirms) in server mode. A process that
    /// runs the prescription server hosts its consumers and the outbox relay; an API-only process only sends requests.
    /// </summary>
    private static void AddBus(WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Bus").Get<BusOptions>() ?? new BusOptions();
        builder.Services.Configure<BusOptions>(builder.Configuration.GetSection("Bus"));
        builder.Services.AddMassTransit(bus =>
        {
            // MassTransit would report usage to its vendor's host a few minutes after start: the service calls no host the
            // operator did not configure (SPEC §12).
            bus.DisableUsageTelemetry();
            if (options.RunPrescriptionServer)
            {
                bus.AddConsumer<ReceivePrescriptionConsumer, PrescriptionConsumerDefinition<ReceivePrescriptionConsumer>>();
                bus.AddConsumer<ReturnPrescriptionConsumer, PrescriptionConsumerDefinition<ReturnPrescriptionConsumer>>();
                bus.AddConsumer<RecordDispensingConsumer, PrescriptionConsumerDefinition<RecordDispensingConsumer>>();
            }
            if (options.RunNotebookSync) bus.AddConsumer<DispensingRecordedConsumer, DispensingRecordedConsumerDefinition>();
            var endpoints = new KebabCaseEndpointNameFormatter(options.EndpointPrefix, false);
            bus.SetEndpointNameFormatter(endpoints);
            // Requests go straight to this deployment's own queues: published, they would reach the queues of every deployment
            // sharing the broker, and the first of them to answer (from its own database) would win.
            bus.AddRequestClient<Contracts.ReceivePrescription>(QueueOf<ReceivePrescriptionConsumer>(endpoints), options.RequestTimeout);
            bus.AddRequestClient<Contracts.ReturnPrescription>(QueueOf<ReturnPrescriptionConsumer>(endpoints), options.RequestTimeout);
            bus.AddRequestClient<Contracts.RecordDispensing>(QueueOf<RecordDispensingConsumer>(endpoints), options.RequestTimeout);

            if (options.Transport == BusTransport.RabbitMq)
            {
                bus.AddConfigureEndpointsCallback((_, _, endpoint) =>
                {
                    // Quorum queues: replicated, durable, and what RabbitMQ scale-out is built on.
                    if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.SetQuorumQueue();
                });
                bus.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(new Uri(options.RabbitMqUri), host => host.PublisherConfirmation = true);
                    // Events go to exchanges named after their type; without the prefix there too, deployments sharing a
                    // broker would receive each other's events, not just share queue names.
                    if (!string.IsNullOrEmpty(options.EndpointPrefix))
                        cfg.MessageTopology.SetEntityNameFormatter(new PrefixEntityNameFormatter(cfg.MessageTopology.EntityNameFormatter, options.EndpointPrefix + "."));
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                bus.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
        });
        if (options.RunPrescriptionServer)
        {
            builder.Services.AddHostedService<OutboxRelay>();
            builder.Services.AddHostedService<ExpirySweeper>();
        }
        if (options.RunNotebookSync) builder.Services.AddHostedService<WebhookDispatcher>();
    }

    /// <summary>
    /// The consumer's endpoint, by its exchange: a "queue:" address would declare the queue as a classic one, which RabbitMQ
    /// refuses for the quorum queue the endpoint declared.
    /// </summary>
    private static Uri QueueOf<TConsumer>(IEndpointNameFormatter endpoints) where TConsumer : class, IConsumer =>
        new($"exchange:{endpoints.Consumer<TConsumer>()}");

    /// <summary>Migrates the database and, in embedded mode, seeds the development clients. Returns the seeded clients.</summary>
    public static async Task<IReadOnlyList<DevClient>> PrepareAsync(WebApplication app)
    {
        // Trust anchors and CRLs are read now, so a wrong path stops the start with its reason instead of failing every request.
        try
        {
            app.Services.GetRequiredService<TrustStore>();
        }
        catch (TrustStoreException e)
        {
            throw new InvalidOperationException(
                $"Cannot load the signature trust configuration (Signatures:TrustAnchors / Signatures:Crls): {e.Message} " +
                $"The working directory is {Environment.CurrentDirectory}; the embedded default expects certs-dev/trust there.", e);
        }
        // In a multi-process deployment one role migrates and the others wait for it (compose.yaml: the prescription server).
        if (app.Configuration.GetValue("Database:Migrate", true)) await app.Services.GetRequiredService<Migrator>().MigrateAsync();
        var seed = app.Configuration.GetValue<bool?>("DevClients:Seed")
            ?? app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider == DatabaseProvider.Sqlite;
        return seed ? await DevClients.SeedAsync(app.Services.GetRequiredService<ClientStore>()) : [];
    }
}

/// <summary>
/// Configuration section "Signatures": trust anchors and CRLs, files or folders. When no trust anchor is configured (embedded
/// mode), both are <see cref="EmbeddedTrust"/>.
/// </summary>
public sealed class SignatureOptions
{
    public const string EmbeddedTrust = "certs-dev/trust";
    public List<string> TrustAnchors { get; set; } = [];
    public List<string> Crls { get; set; } = [];
    public bool WatchForChanges { get; set; } = true;
}

internal sealed class DatabaseHealthCheck(Database database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy($"{database.Dialect.Provider} answers");
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"{database.Dialect.Provider} does not answer: {e.Message}");
        }
    }
}
