namespace EPrescription.Contracts;

/// <summary>
/// Command: the holding pharmacy reports the dispensing result (調剤結果), a JAHIS notebook document (JAHISTC08, output kind 1)
/// signed by a pharmacist: <paramref name="Document"/> with a detached <paramref name="Signature"/>, or the CMS with the content
/// inside in <paramref name="Signature"/> and an empty <paramref name="Document"/>.
/// <paramref name="Part"/>: a part (分割調剤); the pharmacy keeps the prescription. <paramref name="EndsRefill"/>: the pharmacy ends a
/// refill prescription here (調剤終了). <paramref name="NextDueOn"/>: the next use's due date as the pharmacy states it (else the
/// dispensing date + its 内服 supply days). <paramref name="Important"/> (重要情報) and <paramref name="NoteToPrescriber"/> go back
/// to the issuing clinic.
/// </summary>
public sealed record RecordDispensing(
    Guid MessageId,
    Guid CorrelationId,
    string PrescriptionId,
    string PharmacyClientId,
    byte[] Document,
    byte[] Signature,
    bool Detached,
    string? Encoding,
    bool Part = false,
    bool EndsRefill = false,
    DateOnly? NextDueOn = null,
    bool Important = false,
    string? NoteToPrescriber = null);
