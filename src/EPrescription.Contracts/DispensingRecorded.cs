namespace EPrescription.Contracts;

/// <summary>
/// Event: a prescription was dispensed and its dispensing result recorded. The notebook sync turns it into dispensing records
/// for the apps linked to the patient.
/// </summary>
/// <param name="PatientKey">The keyed hash of the patient's insurance identity and birth date; never a raw identifier.</param>
/// <param name="Sequence">Increases with every dispensing: the order records are delivered in.</param>
public sealed record DispensingRecorded(
    Guid MessageId,
    Guid CorrelationId,
    string DispensingId,
    string PrescriptionId,
    string PatientKey,
    long Sequence,
    string PharmacyClientId,
    DateOnly DispensedOn,
    DateTime RecordedAt);
