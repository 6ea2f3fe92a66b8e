namespace EPrescription.Contracts;

/// <summary>
/// Event: a prescription was dispensed and its dispensing result recorded. The notebook sync turns it into dispensing records
/// for the apps linked to the patient.
/// </summary>
/// <param name="PatientKey">The keyed hash of the patient's insurance identity and birth date; never a raw identifier.</param>
/// <param name="Sequence">Increases with every dispensing: the order records are delivered in.</param>
/// <param name="Part">A part (分割調剤) of the prescription's dispensing; the prescription stays with the pharmacy.</param>
/// <param name="Important">The pharmacy flagged the dispensing as important for the prescriber (重要情報).</param>
/// <param name="NoteToPrescriber">The pharmacist's note to the prescriber (疑義照会の結果, 服薬状況), up to 1,000 characters.</param>
public sealed record DispensingRecorded(
    Guid MessageId,
    Guid CorrelationId,
    string DispensingId,
    string PrescriptionId,
    string PatientKey,
    long Sequence,
    string PharmacyClientId,
    DateOnly DispensedOn,
    DateTime RecordedAt,
    bool Part = false,
    bool Important = false,
    string? NoteToPrescriber = null);
