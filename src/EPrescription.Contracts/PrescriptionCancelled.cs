namespace EPrescription.Contracts;

/// <summary>The issuing clinic cancelled a prescription no pharmacy had received (取消).</summary>
public sealed record PrescriptionCancelled(
    Guid MessageId,
    Guid CorrelationId,
    string PrescriptionId,
    string InstitutionCode,
    DateTime CancelledAt);
