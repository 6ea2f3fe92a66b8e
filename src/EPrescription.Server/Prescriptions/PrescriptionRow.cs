namespace EPrescription.Server.Prescriptions;

/// <summary>A row of the prescriptions table, as Dapper reads it.</summary>
internal sealed class PrescriptionRow
{
    public const string Columns =
        """
        id AS Id, clinic_client_id AS ClinicClientId, institution_code AS InstitutionCode, exchange_code AS ExchangeCode,
        status AS Status, issued_on AS IssuedOn, expires_on AS ExpiresOn, document AS Document, document_encoding AS DocumentEncoding,
        signature AS Signature, signature_detached AS SignatureDetached, content_hash AS ContentHash, parsed AS Parsed,
        verification AS Verification, patient_key AS PatientKey, holder_client_id AS HolderClientId,
        failed_attempts AS FailedAttempts, locked_until AS LockedUntil, registered_at AS RegisteredAt, updated_at AS UpdatedAt,
        row_version AS RowVersion
        """;

    public string Id { get; set; } = "";
    public string ClinicClientId { get; set; } = "";
    public string InstitutionCode { get; set; } = "";
    public string ExchangeCode { get; set; } = "";
    public string Status { get; set; } = "";
    public DateOnly IssuedOn { get; set; }
    public DateOnly ExpiresOn { get; set; }
    public byte[] Document { get; set; } = [];
    public string DocumentEncoding { get; set; } = "";
    public byte[] Signature { get; set; } = [];
    public bool SignatureDetached { get; set; }
    public string ContentHash { get; set; } = "";
    public string Parsed { get; set; } = "";
    public string Verification { get; set; } = "";
    public string PatientKey { get; set; } = "";
    public string? HolderClientId { get; set; }
    public int FailedAttempts { get; set; }
    public DateTime? LockedUntil { get; set; }
    public DateTime RegisteredAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public int RowVersion { get; set; }

    public PrescriptionStatus StatusValue => Statuses.Parse(Status);
}

/// <summary>How statuses are written in the database and the API: lower-case words, "awaiting-refill" hyphenated.</summary>
public static class Statuses
{
    public static string Name(PrescriptionStatus status) => status == PrescriptionStatus.AwaitingRefill ? "awaiting-refill" : status.ToString().ToLowerInvariant();

    public static PrescriptionStatus Parse(string value) => Enum.Parse<PrescriptionStatus>(value.Replace("-", "", StringComparison.Ordinal), ignoreCase: true);
}
