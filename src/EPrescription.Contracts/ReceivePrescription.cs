namespace EPrescription.Contracts;

/// <summary>
/// Command (受付): a pharmacy receives a prescription by its ID and exchange code. Answered with <see cref="PrescriptionHandedOver"/>
/// or <see cref="PrescriptionRequestRefused"/>.
/// </summary>
public sealed record ReceivePrescription(
    Guid MessageId,
    Guid CorrelationId,
    string PrescriptionId,
    string ExchangeCode,
    string PharmacyClientId,
    string? Consent = null);
