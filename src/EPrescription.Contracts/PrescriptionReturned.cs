namespace EPrescription.Contracts;

/// <summary>Event: the holding pharmacy returned a prescription; it is registered again.</summary>
public sealed record PrescriptionReturned(
    Guid MessageId,
    Guid CorrelationId,
    string PrescriptionId,
    string PharmacyClientId,
    DateTime ReturnedAt);
