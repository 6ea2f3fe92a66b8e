namespace EPrescription.Contracts;

/// <summary>A prescription passed its last valid date (Japan time) before it was dispensed.</summary>
public sealed record PrescriptionExpired(
    Guid MessageId,
    Guid CorrelationId,
    string PrescriptionId,
    DateOnly ExpiresOn,
    DateTime ExpiredAt);
