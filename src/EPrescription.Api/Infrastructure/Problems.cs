using System.Diagnostics;
using System.Text.Json;
using EPrescription.Server;

namespace EPrescription.Api.Infrastructure;

/// <summary>
/// The one mapping from domain refusals to RFC 9457 problem documents (application/problem+json): a stable upper-snake
/// <c>code</c>, a <c>title</c>, the HTTP <c>status</c>, a <c>detail</c> a person can act on, the <c>traceId</c>, and for document
/// errors every error with its line, record and field.
/// </summary>
public static class Problems
{
    private static readonly Dictionary<string, (int Status, string Title)> Codes = new(StringComparer.Ordinal)
    {
        [ErrorCodes.Unauthenticated] = (401, "Missing or unknown API key"),
        [ErrorCodes.Forbidden] = (403, "Not allowed for this client"),
        [ErrorCodes.RequestInvalid] = (400, "The request is malformed"),
        [ErrorCodes.DocumentInvalid] = (422, "The document is not valid"),
        [ErrorCodes.SignatureInvalid] = (422, "The signature is not valid"),
        [ErrorCodes.CertificateUntrusted] = (422, "The signer's certificate is not trusted"),
        [ErrorCodes.CertificateExpired] = (422, "The signer's certificate was not valid at signing time"),
        [ErrorCodes.CertificateRevoked] = (422, "The signer's certificate is revoked"),
        [ErrorCodes.SignerNotQualified] = (422, "The signer may not sign this document"),
        [ErrorCodes.InstitutionMismatch] = (403, "The document belongs to another institution"),
        [ErrorCodes.PrescriptionNotFound] = (404, "Prescription not found"),
        [ErrorCodes.WithAnotherPharmacy] = (409, "Another pharmacy holds the prescription"),
        [ErrorCodes.WithPharmacy] = (409, "A pharmacy holds the prescription"),
        [ErrorCodes.AlreadyDispensed] = (409, "Already dispensed"),
        [ErrorCodes.Cancelled] = (409, "Cancelled"),
        [ErrorCodes.NotHeld] = (409, "Not possible in the prescription's current state"),
        [ErrorCodes.Expired] = (410, "Expired"),
        [ErrorCodes.TooManyAttempts] = (429, "Too many wrong exchange codes"),
        [ErrorCodes.IdempotencyConflict] = (409, "Idempotency-Key reused for a different request"),
        [ErrorCodes.DispensingMismatch] = (422, "The dispensing result does not match the prescription"),
        [ErrorCodes.PayloadTooLarge] = (413, "Request body too large"),
        ["UNSUPPORTED_MEDIA_TYPE"] = (415, "Send application/json"),
        ["NOT_FOUND"] = (404, "No such endpoint"),
        ["METHOD_NOT_ALLOWED"] = (405, "Method not allowed"),
        ["INTERNAL_ERROR"] = (500, "Internal error"),
        ["SERVICE_UNAVAILABLE"] = (503, "The prescription server is not answering"),
        [RateLimits.Code] = (429, "Too many requests from this client"),
    };

    public static int StatusOf(string code) => Codes.TryGetValue(code, out var entry) ? entry.Status : 400;

    public static IResult From(DomainException exception, HttpContext context) =>
        Result(context, exception.Code, exception.Detail, exception.Errors, exception.Extensions);

    public static IResult Result(HttpContext context, string code, string detail,
        IReadOnlyList<DocumentError>? errors = null, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        var (status, title) = Codes.TryGetValue(code, out var entry) ? entry : (400, code);
        Server.Telemetry.DomainMeters.Refused(code);
        var body = new Dictionary<string, object?>
        {
            ["type"] = $"https://eprescription.example/problems/{code.ToLowerInvariant().Replace('_', '-')}",
            ["code"] = code,
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
            ["instance"] = context.Request.Path.Value,
            ["traceId"] = Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier,
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
        return Results.Json(body, JsonOptions, "application/problem+json", status);
    }

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
