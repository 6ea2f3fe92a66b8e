namespace EPrescription.Contracts;

/// <summary>
/// Command: the holding pharmacy reports the dispensing result (調剤結果), a JAHIS notebook document (JAHISTC08, output kind 1)
/// signed by a pharmacist: <paramref name="Document"/> with a detached <paramref name="Signature"/>, or the CMS with the content
/// inside in <paramref name="Signature"/> and an empty <paramref name="Document"/>.
/// </summary>
public sealed record RecordDispensing(
    Guid MessageId,
    Guid CorrelationId,
    string PrescriptionId,
    string PharmacyClientId,
    byte[] Document,
    byte[] Signature,
    bool Detached,
    string? Encoding);
