using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Server.Prescriptions;

namespace EPrescription.Server.Feedback;

/// <summary>
/// Every dispensing of a prescription (GET /v1/prescriptions/{id}/dispensings), in dispensing order, parts included: what the
/// issuing clinic learns of its prescription (SPEC §11) and what a pharmacy continuing it sees of the parts before (SPEC §3).
/// For the issuing clinic and the holding pharmacy; anyone else gets PRESCRIPTION_NOT_FOUND, as for the status.
/// </summary>
public static class GetDispensings
{
    /// <param name="Part">A part (分割調剤); false for the dispensing that completed the prescription.</param>
    /// <param name="Substitutions">Drugs dispensed other than as prescribed (後発医薬品への変更 and the like).</param>
    /// <param name="Important">The pharmacy flagged it as important for the prescriber (重要情報).</param>
    /// <param name="NoteToPrescriber">The pharmacist's note to the prescriber (疑義照会の結果, 服薬状況), when there is one.</param>
    /// <param name="Document">Base64 of the exact signed bytes: a JAHIS notebook document (JAHISTC, output kind 1).</param>
    /// <param name="Encoding">"utf-8" when the document is UTF-8; absent for Shift_JIS (CP932), as in the dispensing request.</param>
    /// <param name="Signature">Base64 of the pharmacist's CMS signature: detached, or with the document inside when <paramref name="SignatureDetached"/> is false.</param>
    public sealed record Dispensing(
        string Id,
        DispensingPharmacy Pharmacy,
        DateOnly DispensedOn,
        bool Part,
        IReadOnlyList<Dispense.Substitution> Substitutions,
        bool Important,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NoteToPrescriber,
        string Document,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Encoding,
        string Signature,
        bool SignatureDetached,
        DateTime RecordedAt);

    public sealed record Response(string PrescriptionId, IReadOnlyList<Dispensing> Dispensings);

    private sealed class Row
    {
        public string Id { get; init; } = "";
        public string PharmacyName { get; init; } = "";
        public string? PharmacyInstitutionCode { get; init; }
        public DateOnly DispensedOn { get; init; }
        public bool Part { get; init; }
        public string Substitutions { get; init; } = "[]";
        public bool Important { get; init; }
        public string? NoteToPrescriber { get; init; }
        public byte[] Document { get; init; } = [];
        public byte[] Signature { get; init; } = [];
        public bool SignatureDetached { get; init; }
        public DateTime RecordedAt { get; init; }
    }

    internal sealed class Handler(PrescriptionStore store)
    {
        public async Task<Response> HandleAsync(string id, Caller caller, CancellationToken cancellationToken = default)
        {
            var prescription = await GetStatus.LoadVisibleAsync(store, id, caller, cancellationToken);
            await using var connection = await store.Database.OpenAsync(cancellationToken);
            var rows = await connection.QueryAsync<Row>(
                """
                SELECT d.id AS Id, c.name AS PharmacyName, c.institution_code AS PharmacyInstitutionCode, d.dispensed_on AS DispensedOn,
                       d.part AS Part, d.substitutions AS Substitutions, d.important AS Important, d.note_to_prescriber AS NoteToPrescriber,
                       d.document AS Document, d.signature AS Signature, d.signature_detached AS SignatureDetached, d.recorded_at AS RecordedAt
                FROM dispensings d JOIN clients c ON c.id = d.pharmacy_client_id
                WHERE d.prescription_id = @id ORDER BY d.sequence
                """, new { id = prescription.Id });
            return new Response(PrescriptionId.Parse(prescription.Id).ToString(), rows.Select(ToDispensing).ToList());
        }
    }

    private static Dispensing ToDispensing(Row row) => new(
        row.Id,
        new DispensingPharmacy(row.PharmacyName, row.PharmacyInstitutionCode),
        row.DispensedOn,
        row.Part,
        // Stored as the dispensing use case wrote them (System.Text.Json's default names).
        JsonSerializer.Deserialize<List<Dispense.Substitution>>(row.Substitutions) ?? [],
        row.Important,
        row.NoteToPrescriber,
        Convert.ToBase64String(row.Document),
        // The dispensing request's encoding is not stored; the signed bytes tell it as the reader would detect it.
        JahisReader.DetectEncoding(row.Document) == TextEncodingKind.Utf8 ? "utf-8" : null,
        Convert.ToBase64String(row.Signature),
        row.SignatureDetached,
        row.RecordedAt);
}
