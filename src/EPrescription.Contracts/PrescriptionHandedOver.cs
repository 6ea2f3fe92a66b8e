namespace EPrescription.Contracts;

/// <summary>
/// Reply to <see cref="ReceivePrescription"/>: the prescription is now held by the pharmacy, with the exact signed document,
/// its signature and what the verification found, for the pharmacy system to check and print.
/// </summary>
/// <param name="Prescription">The parsed prescription as JSON (the typed model of EPrescription.Formats).</param>
/// <param name="Verification">The signature verification result as JSON.</param>
/// <param name="TotalUses">How often the prescription may be used: 1, or 2–3 for a refill (リフィル).</param>
/// <param name="UsesDone">The uses completed before this one.</param>
/// <param name="Parts">The parts (分割調剤) of this use dispensed so far, as a JSON array (null when none).</param>
/// <param name="DuplicateMedication">The duplicate-medication check of the prescription at receive, as a JSON array.</param>
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
    DateOnly ExpiresOn,
    int TotalUses = 1,
    int UsesDone = 0,
    string? Parts = null,
    string? DuplicateMedication = null);
