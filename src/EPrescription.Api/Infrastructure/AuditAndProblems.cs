using EPrescription.Server.Clients;
using EPrescription.Server;
using EPrescription.Server.Audit;
using EPrescription.Server.Failures;

namespace EPrescription.Api.Infrastructure;

/// <summary>Endpoint metadata: the audit action name of an endpoint, e.g. "prescription.register".</summary>
public sealed record AuditAction(string Name);

/// <summary>
/// Outermost filter of the /v1 endpoints: turns a <see cref="DomainException"/> into its problem document, an outage of the
/// database or the bus into 503, and writes the audit entry of every request that touches a prescription (who, what, which
/// prescription, outcome), refusals included. A use case that changed something wrote its entry inside its own transaction
/// and says so (<see cref="AuditExtensions.AuditedByUseCase"/>); this filter then writes none, so nothing is audited twice.
/// </summary>
public sealed class AuditAndProblems(AuditLog audit, ILogger<AuditAndProblems> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        Correlation.Of(http);
        object? result;
        string outcome;
        int status;
        try
        {
            result = await next(context);
            status = (result as IStatusCodeHttpResult)?.StatusCode ?? 200;
            outcome = "OK";
        }
        catch (DomainException e)
        {
            result = Problems.From(e, http);
            status = Problems.StatusOf(e.Code);
            outcome = e.Code;
            // Codes and ids only: problem details may quote document content, which is personal data.
            logger.LogInformation("{Method} {Path} refused with {Code} ({Status})", http.Request.Method, http.GetEndpoint()?.DisplayName, e.Code, status);
        }
        catch (Exception e) when (Outages.Is(e))
        {
            result = UnhandledErrors.ToProblem(http, e, logger);
            status = StatusCodes.Status503ServiceUnavailable;
            outcome = ErrorCodes.ServiceUnavailable;
        }

        var action = http.GetEndpoint()?.Metadata.GetMetadata<AuditAction>();
        if (action is not null && !http.IsAuditedByUseCase())
        {
            var client = http.Client();
            try
            {
                await audit.WriteAsync(client?.Client.Id, client?.Client.Role.Name(), action.Name, PrescriptionIdFor(http, result), outcome, status,
                    Correlation.Of(http).ToString(), CancellationToken.None, http.AuditDetail());
            }
            catch (Exception e) when (Outages.Is(e) && status == StatusCodes.Status503ServiceUnavailable)
            {
                // The database is what did not answer; the client is told so already.
                logger.LogWarning("Audit entry of an unavailable {Action} not written ({Exception})", action.Name, ExceptionSummary.Of(e));
            }
        }
        return result;
    }

    /// <summary>The prescription ID of the request: from the route, or from the answer of a registration.</summary>
    private static string? PrescriptionIdFor(HttpContext http, object? result)
    {
        var fromRoute = http.Request.RouteValues["id"] as string ?? http.Request.Query["prescriptionId"].ToString();
        if (!string.IsNullOrEmpty(fromRoute)) return fromRoute;
        return result is IValueHttpResult { Value: Server.Prescriptions.Register.Response registered } ? registered.PrescriptionId : null;
    }
}

public static class AuditExtensions
{
    private static readonly object Key = new();
    private static readonly object DetailKey = new();

    /// <summary>The use case wrote this request's audit entry in its own transaction; the filter must not write another.</summary>
    public static void AuditedByUseCase(this HttpContext http) => http.Items[Key] = true;

    public static bool IsAuditedByUseCase(this HttpContext http) => http.Items.ContainsKey(Key);

    /// <summary>More about the outcome for the filter's entry (codes and counts, never a value of a document).</summary>
    public static void SetAuditDetail(this HttpContext http, string? detail) => http.Items[DetailKey] = detail;

    public static string? AuditDetail(this HttpContext http) => http.Items.TryGetValue(DetailKey, out var detail) ? detail as string : null;
}
