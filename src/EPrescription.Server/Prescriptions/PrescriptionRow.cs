using EPrescription.Formats.Text;

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
        row_version AS RowVersion, total_uses AS TotalUses, uses_done AS UsesDone, parts_done AS PartsDone, next_due_on AS NextDueOn,
        split_part AS SplitPart, split_of AS SplitOf, refill_due_use AS RefillDueUse
        """;

    /// <summary>The columns with the holder's name and code, for <c>FROM prescriptions p LEFT JOIN clients h ON h.id = p.holder_client_id</c>.</summary>
    public const string ColumnsWithHolder =
        """
        p.id AS Id, p.clinic_client_id AS ClinicClientId, p.institution_code AS InstitutionCode, p.exchange_code AS ExchangeCode,
        p.status AS Status, p.issued_on AS IssuedOn, p.expires_on AS ExpiresOn, p.document AS Document, p.document_encoding AS DocumentEncoding,
        p.signature AS Signature, p.signature_detached AS SignatureDetached, p.content_hash AS ContentHash, p.parsed AS Parsed,
        p.verification AS Verification, p.patient_key AS PatientKey, p.holder_client_id AS HolderClientId,
        p.failed_attempts AS FailedAttempts, p.locked_until AS LockedUntil, p.registered_at AS RegisteredAt, p.updated_at AS UpdatedAt,
        p.row_version AS RowVersion, p.total_uses AS TotalUses, p.uses_done AS UsesDone, p.parts_done AS PartsDone, p.next_due_on AS NextDueOn,
        p.split_part AS SplitPart, p.split_of AS SplitOf, p.refill_due_use AS RefillDueUse, h.name AS HolderName, h.institution_code AS HolderInstitutionCode
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
    public int TotalUses { get; set; } = 1;
    public int UsesDone { get; set; }
    public int PartsDone { get; set; }
    public DateOnly? NextDueOn { get; set; }
    public int? SplitPart { get; set; }
    public int? SplitOf { get; set; }
    /// <summary>The refill use whose window's opening was announced (RefillDue), 0 for none.</summary>
    public int RefillDueUse { get; set; }
    public string? HolderName { get; set; }
    public string? HolderInstitutionCode { get; set; }

    public PrescriptionStatus StatusValue => Statuses.Parse(Status);

    public TextEncodingKind Encoding => StoredEncodings.Parse(DocumentEncoding);

    /// <summary>What the lifecycle decides on.</summary>
    public PrescriptionState State => new()
    {
        Status = StatusValue,
        ClinicClientId = ClinicClientId,
        Holder = HolderClientId is null ? null : new Party(HolderClientId, HolderName ?? "", HolderInstitutionCode),
        IssuedOn = IssuedOn,
        ExpiresOn = ExpiresOn,
        TotalUses = TotalUses,
        UsesDone = UsesDone,
        PartsDone = PartsDone,
        NextDueOn = NextDueOn,
        Version = RowVersion,
    };

    /// <summary>Takes over a state the lifecycle decided (after it was saved).</summary>
    public void Apply(PrescriptionState state, DateTime at)
    {
        Status = Statuses.Name(state.Status);
        HolderClientId = state.Holder?.ClientId;
        HolderName = state.Holder?.Name;
        HolderInstitutionCode = state.Holder?.InstitutionCode;
        UsesDone = state.UsesDone;
        PartsDone = state.PartsDone;
        NextDueOn = state.NextDueOn;
        RowVersion = state.Version;
        UpdatedAt = at;
    }
}

/// <summary>How statuses are written in the database and the API: lower-case words, "awaiting-refill" hyphenated.</summary>
public static class Statuses
{
    public static string Name(PrescriptionStatus status) => status == PrescriptionStatus.AwaitingRefill ? "awaiting-refill" : status.ToString().ToLowerInvariant();

    public static PrescriptionStatus Parse(string value) => Enum.Parse<PrescriptionStatus>(value.Replace("-", "", StringComparison.Ordinal), ignoreCase: true);
}

/// <summary>How a document's encoding is stored beside it: "utf-8" or "shift_jis".</summary>
public static class StoredEncodings
{
    public static string Name(TextEncodingKind encoding) => encoding == TextEncodingKind.Utf8 ? "utf-8" : "shift_jis";

    public static TextEncodingKind Parse(string? stored) => stored == "utf-8" ? TextEncodingKind.Utf8 : TextEncodingKind.ShiftJis;
}
