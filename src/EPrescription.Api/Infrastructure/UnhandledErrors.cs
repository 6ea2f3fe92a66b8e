using EPrescription.Server;
using EPrescription.Server.Failures;

namespace EPrescription.Api.Infrastructure;

/// <summary>
/// The outermost middleware: whatever escapes the endpoints still gets a problem document. A request Kestrel could not read
/// (a malformed chunked body, a body cut off) is the client's error, 400; the database or the bus not answering is 503
/// SERVICE_UNAVAILABLE with Retry-After (<see cref="Outages"/>); anything else is a defect, 500 INTERNAL_ERROR. The log names
/// the exception's type, the code location and the trace id, never the exception's message, which may quote a document.
/// </summary>
public static class UnhandledErrors
{
    public static Func<HttpContext, RequestDelegate, Task> Middleware(ILogger logger) => async (context, next) =>
    {
        RequestBody.ApplyLimit(context);
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && !(e is OperationCanceledException && context.RequestAborted.IsCancellationRequested))
        {
            await ToProblem(context, e, logger).ExecuteAsync(context);
        }
    };

    /// <summary>The problem document for an exception that is not a domain refusal, logged without its message.</summary>
    public static IResult ToProblem(HttpContext context, Exception exception, ILogger logger)
    {
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no endpoint)";
        if (exception is BadHttpRequestException bad)
        {
            logger.LogInformation("{Method} {Route}: unreadable request ({Status}); traceId {TraceId}", context.Request.Method, route, bad.StatusCode, Problems.TraceIdOf(context));
            return RequestBody.Unreadable(context, bad);
        }
        if (Outages.Is(exception))
        {
            logger.LogWarning("{Method} {Route}: database or bus not answering ({Exception}); answered 503; traceId {TraceId}",
                context.Request.Method, route, ExceptionSummary.Of(exception), Problems.TraceIdOf(context));
            return Problems.Unavailable(context);
        }
        logger.LogError("{Method} {Route}: unhandled {Exception}; traceId {TraceId}",
            context.Request.Method, route, ExceptionSummary.Of(exception), Problems.TraceIdOf(context));
        return Problems.Internal(context);
    }
}
