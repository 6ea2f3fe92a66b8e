using EPrescription.Server;
using EPrescription.Server.Audit;

namespace EPrescription.Api.Infrastructure;

/// <summary>Endpoint metadata: the audit action name of an endpoint, e.g. "prescription.register".</summary>
public sealed record AuditAction(string Name);

/// <summary>
/// Outermost filter of the /v1 endpoints: turns a <see cref="DomainException"/> into its problem document, and writes an audit
/// entry for every request that touches a prescription (who, what, which prescription, outcome), refusals included.
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

        var action = http.GetEndpoint()?.Metadata.GetMetadata<AuditAction>();
        if (action is not null)
        {
            var client = http.Client();
            var prescriptionId = PrescriptionIdFor(http, result);
            await audit.WriteAsync(client?.Client.Id, client?.ToCaller().Role, action.Name, prescriptionId, outcome, status,
                Correlation.Of(http).ToString(), CancellationToken.None);
        }
        return result;
    }

    /// <summary>The canonical prescription ID of the request: from the route, or from the answer of a registration.</summary>
    private static string? PrescriptionIdFor(HttpContext http, object? result)
    {
        var fromRoute = http.Request.RouteValues["id"] as string ?? http.Request.Query["prescriptionId"].ToString();
        if (!string.IsNullOrEmpty(fromRoute))
            return Server.Prescriptions.PrescriptionId.TryParse(fromRoute, out var id) ? id.ToString() : fromRoute.Length > 40 ? fromRoute[..40] : fromRoute;
        return result is IValueHttpResult { Value: Server.Prescriptions.Register.Response registered } ? registered.PrescriptionId : null;
    }
}
