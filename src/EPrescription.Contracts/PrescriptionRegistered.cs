namespace EPrescription.Contracts;

/// <summary>A clinic registered a signed prescription; it waits for a pharmacy (未受付).</summary>
public sealed record PrescriptionRegistered(
    Guid MessageId,
    Guid CorrelationId,
    string PrescriptionId,
    string InstitutionCode,
    DateOnly IssuedOn,
    DateOnly ExpiresOn,
    DateTime RegisteredAt);
