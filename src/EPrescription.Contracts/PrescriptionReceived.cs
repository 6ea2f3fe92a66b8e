namespace EPrescription.Contracts;

/// <summary>Event: a pharmacy received a prescription (調剤中).</summary>
public sealed record PrescriptionReceived(
    Guid MessageId,
    Guid CorrelationId,
    string PrescriptionId,
    string PharmacyClientId,
    string? PharmacyInstitutionCode,
    DateTime ReceivedAt);
