namespace EPrescription.Server;

/// <summary>
/// The one exception the domain throws: a refusal with a stable upper-snake code that the HTTP edge maps to a problem document
/// (SPEC §4), a detail a person can act on, and, for document errors, every error found.
/// </summary>
public sealed class DomainException(string code, string detail, IReadOnlyList<DocumentError>? errors = null,
    IReadOnlyDictionary<string, object?>? extensions = null) : Exception(detail)
{
    public string Code { get; } = code;
    public string Detail { get; } = detail;
    public IReadOnlyList<DocumentError> Errors { get; } = errors ?? [];
    /// <summary>Further members of the problem document, e.g. the holding pharmacy's name and code.</summary>
    public IReadOnlyDictionary<string, object?> Extensions { get; } = extensions ?? new Dictionary<string, object?>();
}

/// <summary>One error in a submitted document: where it is and what is wrong.</summary>
public sealed record DocumentError(int? Line, string? Record, int? Field, string Message);

/// <summary>The stable error codes of SPEC §4.</summary>
public static class ErrorCodes
{
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string Forbidden = "FORBIDDEN";
    public const string RequestInvalid = "REQUEST_INVALID";
    public const string DocumentInvalid = "DOCUMENT_INVALID";
    public const string SignatureInvalid = "SIGNATURE_INVALID";
    public const string CertificateUntrusted = "CERTIFICATE_UNTRUSTED";
    public const string CertificateExpired = "CERTIFICATE_EXPIRED";
    public const string CertificateRevoked = "CERTIFICATE_REVOKED";
    public const string SignerNotQualified = "SIGNER_NOT_QUALIFIED";
    public const string InstitutionMismatch = "INSTITUTION_MISMATCH";
    public const string PrescriptionNotFound = "PRESCRIPTION_NOT_FOUND";
    public const string WithAnotherPharmacy = "WITH_ANOTHER_PHARMACY";
    public const string WithPharmacy = "WITH_PHARMACY";
    public const string AlreadyDispensed = "ALREADY_DISPENSED";
    public const string Cancelled = "CANCELLED";
    public const string NotHeld = "NOT_HELD";
    public const string Expired = "EXPIRED";
    public const string TooManyAttempts = "TOO_MANY_ATTEMPTS";
    public const string IdempotencyConflict = "IDEMPOTENCY_CONFLICT";
    public const string DispensingMismatch = "DISPENSING_MISMATCH";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string IssuedInFuture = "ISSUED_IN_FUTURE";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string NotFound = "NOT_FOUND";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    /// <summary>A defect of the service's own (never a database or bus outage, never bad input).</summary>
    public const string InternalError = "INTERNAL_ERROR";
    /// <summary>The database or the bus did not answer; the client may send the same request again (with Retry-After).</summary>
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";
    /// <summary>The client sent more than its role's rate limit (with Retry-After).</summary>
    public const string RateLimited = "RATE_LIMITED";
    /// <summary>A refill's next use asked for before its window opens (409, with the window).</summary>
    public const string NotYetDue = "NOT_YET_DUE";

    /// <summary>
    /// The HTTP status of each code. The audit log records it beside the code, also for requests the prescription server
    /// answers over the bus, so it lives here rather than only at the HTTP edge.
    /// </summary>
    private static readonly Dictionary<string, int> Statuses = new(StringComparer.Ordinal)
    {
        [Unauthenticated] = 401, [Forbidden] = 403, [RequestInvalid] = 400, [DocumentInvalid] = 422, [SignatureInvalid] = 422,
        [CertificateUntrusted] = 422, [CertificateExpired] = 422, [CertificateRevoked] = 422, [SignerNotQualified] = 422,
        [InstitutionMismatch] = 403, [PrescriptionNotFound] = 404, [WithAnotherPharmacy] = 409, [WithPharmacy] = 409,
        [AlreadyDispensed] = 409, [Cancelled] = 409, [NotHeld] = 409, [Expired] = 410, [TooManyAttempts] = 429,
        [IdempotencyConflict] = 409, [DispensingMismatch] = 422, [PayloadTooLarge] = 413, [UnsupportedMediaType] = 415,
        [NotFound] = 404, [MethodNotAllowed] = 405, [InternalError] = 500, [ServiceUnavailable] = 503,
        [RateLimited] = 429, [NotYetDue] = 409,
    };

    /// <summary>The HTTP status a refusal with <paramref name="code"/> answers with (400 for a code without its own).</summary>
    public static int StatusOf(string code) => Statuses.TryGetValue(code, out var status) ? status : 400;
}
