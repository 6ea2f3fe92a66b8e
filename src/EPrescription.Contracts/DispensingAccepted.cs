namespace EPrescription.Contracts;

/// <summary>Reply to <see cref="RecordDispensing"/>: the dispensing is recorded and the prescription is dispensed (調剤済).</summary>
/// <param name="Substitutions">Drugs dispensed other than as prescribed, as JSON.</param>
/// <param name="Part">The dispensing was a part (分割調剤): the pharmacy still holds the prescription.</param>
/// <param name="UsesDone">The uses of the prescription completed with this dispensing.</param>
/// <param name="TotalUses">How often it may be used (1, or 2–3 for a refill).</param>
/// <param name="NextDueOn">A refill awaiting its next use: when it is due.</param>
public sealed record DispensingAccepted(
    Guid CorrelationId,
    string DispensingId,
    string PrescriptionId,
    string Status,
    DateOnly DispensedOn,
    string Pharmacist,
    string Substitutions,
    DateTime RecordedAt,
    bool Part = false,
    int UsesDone = 1,
    int TotalUses = 1,
    DateOnly? NextDueOn = null);
