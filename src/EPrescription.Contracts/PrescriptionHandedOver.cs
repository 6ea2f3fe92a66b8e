namespace EPrescription.Contracts;

/// <summary>
/// Reply to <see cref="ReceivePrescription"/>: the prescription is now held by the pharmacy, with the exact signed document,
/// its signature and what the verification found, for the pharmacy system to check and print.
/// </summary>
/// <param name="Prescription">The parsed prescription as JSON (the typed model of EPrescription.Formats).</param>
/// <param name="Verification">The signature verification result as JSON.</param>
public sealed record PrescriptionHandedOver(
    Guid CorrelationId,
    string PrescriptionId,
    string Status,
    byte[] Document,
    string DocumentEncoding,
    byte[] Signature,
    bool SignatureDetached,
    string Prescription,
    string Verification,
    DateOnly IssuedOn,
    DateOnly ExpiresOn);
