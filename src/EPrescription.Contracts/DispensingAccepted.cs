namespace EPrescription.Contracts;

/// <summary>Reply to <see cref="RecordDispensing"/>: the dispensing is recorded and the prescription is dispensed (調剤済).</summary>
/// <param name="Substitutions">Drugs dispensed other than as prescribed, as JSON.</param>
public sealed record DispensingAccepted(
    Guid CorrelationId,
    string DispensingId,
    string PrescriptionId,
    string Status,
    DateOnly DispensedOn,
    string Pharmacist,
    string Substitutions,
    DateTime RecordedAt);
