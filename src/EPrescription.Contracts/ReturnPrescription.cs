namespace EPrescription.Contracts;

/// <summary>Command: the holding pharmacy gives the prescription back (it goes back to registered for any pharmacy).</summary>
public sealed record ReturnPrescription(
    Guid MessageId,
    Guid CorrelationId,
    string PrescriptionId,
    string PharmacyClientId);
