using System.Diagnostics;
using System.Text.Json;
using EPrescription.Server;
using EPrescription.Server.Failures;

namespace EPrescription.Api.Infrastructure;

/// <summary>
/// The one mapping from domain refusals to RFC 9457 problem documents (application/problem+json): a stable upper-snake
/// <c>code</c>, a <c>title</c>, the HTTP <c>status</c>, a <c>detail</c> a person can act on, the <c>traceId</c>, and for document
/// errors every error with its line, record and field.
/// </summary>
public static class Problems
{
    private static readonly Dictionary<string, string> Titles = new(StringComparer.Ordinal)
    {
        [ErrorCodes.Unauthenticated] = "Missing or unknown API key",
        [ErrorCodes.Forbidden] = "Not allowed for this client",
        [ErrorCodes.RequestInvalid] = "The request is malformed",
        [ErrorCodes.DocumentInvalid] = "The document is not valid",
        [ErrorCodes.SignatureInvalid] = "The signature is not valid",
        [ErrorCodes.CertificateUntrusted] = "The signer's certificate is not trusted",
        [ErrorCodes.CertificateExpired] = "The signer's certificate was not valid at signing time",
        [ErrorCodes.CertificateRevoked] = "The signer's certificate is revoked",
        [ErrorCodes.SignerNotQualified] = "The signer may not sign this document",
        [ErrorCodes.InstitutionMismatch] = "The document belongs to another institution",
        [ErrorCodes.PrescriptionNotFound] = "Prescription not found",
        [ErrorCodes.WithAnotherPharmacy] = "Another pharmacy holds the prescription",
        [ErrorCodes.WithPharmacy] = "A pharmacy holds the prescription",
        [ErrorCodes.AlreadyDispensed] = "Already dispensed",
        [ErrorCodes.Cancelled] = "Cancelled",
        [ErrorCodes.NotHeld] = "Not possible in the prescription's current state",
        [ErrorCodes.Expired] = "Expired",
        [ErrorCodes.TooManyAttempts] = "Too many wrong exchange codes",
        [ErrorCodes.IdempotencyConflict] = "Idempotency-Key reused for a different request",
        [ErrorCodes.DispensingMismatch] = "The dispensing result does not match the prescription",
        [ErrorCodes.PayloadTooLarge] = "Request body too large",
        [ErrorCodes.UnsupportedMediaType] = "Send application/json",
        [ErrorCodes.NotFound] = "No such endpoint",
        [ErrorCodes.MethodNotAllowed] = "Method not allowed",
        [ErrorCodes.InternalError] = "Internal error",
        [ErrorCodes.ServiceUnavailable] = "The service cannot answer right now",
        [ErrorCodes.RateLimited] = "Too many requests from this client",
    };

    public static int StatusOf(string code) => ErrorCodes.StatusOf(code);

    public static IResult From(DomainException exception, HttpContext context) =>
        Result(context, exception.Code, exception.Detail, exception.Errors, exception.Extensions);

    public static IResult Result(HttpContext context, string code, string detail,
        IReadOnlyList<DocumentError>? errors = null, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        var status = ErrorCodes.StatusOf(code);
        var title = Titles.GetValueOrDefault(code, code);
        Server.Telemetry.DomainMeters.Refused(code);
        var body = new Dictionary<string, object?>
        {
            ["type"] = $"https://eprescription.example/problems/{code.ToLowerInvariant().Replace('_', '-')}",
            ["code"] = code,
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
            ["instance"] = context.Request.Path.Value,
            ["traceId"] = TraceIdOf(context),
        };
        if (errors is { Count: > 0 })
        {
            // Every member on every error, null where it does not apply (a missing record has no line): clients read one shape.
            body["errors"] = errors.Select(e => new Dictionary<string, object?>
            {
                ["line"] = e.Line, ["record"] = e.Record, ["field"] = e.Field, ["message"] = e.Message,
            }).ToList();
        }
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions) body[key] = value;
        }
        if (status == 401) context.Response.Headers.WWWAuthenticate = "Bearer";
        // Every 503 says when to try again (SPEC §4): the same request may be sent again unchanged.
        if (status == 503) context.Response.Headers.RetryAfter = ((int)Outages.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Json(body, JsonOptions, "application/problem+json", status);
    }

    /// <summary>The database or the bus did not answer: 503 with Retry-After; nothing was changed, the same request may be sent again.</summary>
    public static IResult Unavailable(HttpContext context) => Result(context, ErrorCodes.ServiceUnavailable,
        "The service's database or message bus did not answer (it may be restarting); nothing was changed. Send the same request again after Retry-After seconds.");

    /// <summary>A defect of the service's own: 500 with the trace id to quote; what went wrong is in the service's log.</summary>
    public static IResult Internal(HttpContext context) => Result(context, ErrorCodes.InternalError,
        "The server failed to handle the request; it has been logged. Quote the traceId when reporting it.");

    /// <summary>The trace id a problem document carries and the log names, so a reported problem can be found in the log.</summary>
    public static string TraceIdOf(HttpContext context) => Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;

    /// <summary>Writes a problem outside an endpoint (middleware, status-code pages).</summary>
    public static Task WriteAsync(HttpContext context, string code, string detail) =>
        Result(context, code, detail).ExecuteAsync(context);

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        // Details quote values and Japanese text; keep them readable rather than \u-escaped.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
