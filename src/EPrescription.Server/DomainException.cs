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
}
