using EPrescription.Server.Clients;
using System.Data.Common;
using Dapper;
using EPrescription.Formats.Notebook;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Formats.Validation;
using EPrescription.Server.Prescriptions;
using EPrescription.Server.Storage;

namespace EPrescription.Server.MedicationChecks;

/// <summary>
/// The duplicate-medication check (重複投薬チェック, SPEC §10) where the API runs it: at registration (in the registration's
/// transaction, <see cref="AtRegistrationAsync"/>), at receive (<see cref="ForHeldPrescriptionAsync"/>), and on demand with
/// <c>POST /v1/medication-checks</c> (<see cref="Handler"/>), which changes nothing but the audit. A clinic checks a prescription
/// document of its own before registering it; the holding pharmacy checks the held prescription, or the dispensing document it
/// is about to send (so substitutions are checked too), for the held prescription's patient.
/// </summary>
public static class MedicationCheck
{
    /// <summary>
    /// A clinic sends <c>document</c> (base64 of a JAHIS prescription, no signature needed) and <c>encoding</c>; a pharmacy
    /// sends <c>prescriptionId</c> and, optionally, <c>document</c> (base64 of a JAHISTC dispensing document, output kind 1).
    /// <c>consent</c>: "card" or "verbal" when the patient agreed to show what they take, else left out.
    /// </summary>
    public sealed record Request(string? PrescriptionId, string? Document, string? Encoding, string? Consent);

    public sealed record Response(IReadOnlyList<DuplicateMedication> DuplicateMedication);

    /// <summary>The request's <c>consent</c>, or REQUEST_INVALID naming the field.</summary>
    public static MedicationConsent ConsentOf(string? consent)
    {
        if (MedicationConsents.TryParse(consent, out var parsed)) return parsed;
        var shown = consent!.Length > 20 ? consent[..20] + "…" : consent;
        throw new DomainException(ErrorCodes.RequestInvalid,
            $"'{shown}' is not a consent: send \"card\" (the patient agreed with their card) or \"verbal\" (口頭同意), or leave consent out when the patient did not agree.",
            [new DocumentError(null, null, null, "consent: must be \"card\" or \"verbal\", or left out")]);
    }

    /// <summary>What the audit entry says of a check: the consent and, once known, how many duplicates it found.</summary>
    public static string AuditDetail(MedicationConsent consent, int? duplicates) =>
        duplicates is { } count ? $"consent={consent.Name()}; duplicates={count}" : $"consent={consent.Name()}";

    /// <summary>
    /// In the registration's transaction: stores the prescription's drug lines for its patient and checks them against what the
    /// patient takes, the prescription itself left out.
    /// </summary>
    /// <param name="prescriptionId">The ID as stored (<see cref="PrescriptionId.Value"/>).</param>
    public static async Task<IReadOnlyList<DuplicateMedication>> AtRegistrationAsync(MedicationStore store, DbConnection connection,
        Prescription prescription, string prescriptionId, string patientKey, MedicationConsent consent, CancellationToken cancellationToken = default)
    {
        // A read of what the patient takes, on its own connection before the registration's transaction: on SQLite that
        // transaction holds the one writer's turn, which must not wait for the check. The check leaves this prescription out.
        return await store.FindDuplicatesAsync(connection, null, patientKey, MedicationLines.ToCheck(prescription), prescriptionId, consent,
            prescription.Institution.InstitutionNumber, cancellationToken);
    }

    /// <summary>
    /// The check of a registered prescription as a pharmacy sees it at receive: its stored drugs against what its patient takes,
    /// its own lines left out. Reads only; call it in the receive's transaction or on any open connection.
    /// </summary>
    /// <param name="prescriptionId">The ID as stored (<see cref="PrescriptionId.Value"/>).</param>
    /// <param name="patientKey">The prescription's patient key (its <c>patient_key</c>).</param>
    /// <param name="issuingInstitutionCode">The institution that issued it (its <c>institution_code</c>), for <c>sameInstitution</c>.</param>
    public static async Task<IReadOnlyList<DuplicateMedication>> ForHeldPrescriptionAsync(MedicationStore store, DbConnection connection,
        DbTransaction? transaction, string prescriptionId, string patientKey, MedicationConsent consent, string? issuingInstitutionCode,
        CancellationToken cancellationToken = default)
    {
        var drugs = await store.DrugsOfPrescriptionAsync(connection, transaction, prescriptionId, cancellationToken);
        return await store.FindDuplicatesAsync(connection, transaction, patientKey, drugs, prescriptionId, consent, issuingInstitutionCode, cancellationToken);
    }

    public sealed class Handler(Database database, MedicationStore store, PatientKeys patientKeys)
    {
        public Task<Response> HandleAsync(Request request, MedicationConsent consent, Caller caller, CancellationToken cancellationToken = default) =>
            caller.Role switch
            {
                ClientRole.Clinic => ForClinicDocumentAsync(request, consent, caller, cancellationToken),
                ClientRole.Pharmacy => ForPharmacyAsync(request, consent, caller, cancellationToken),
                _ => throw new DomainException(ErrorCodes.Forbidden, "Only clinics and pharmacies check medication."),
            };

        /// <summary>A prescription the clinic is about to register: validated as a registration would, its signature not needed.</summary>
        private async Task<Response> ForClinicDocumentAsync(Request request, MedicationConsent consent, Caller caller, CancellationToken cancellationToken)
        {
            var errors = new List<DocumentError>();
            if (request.PrescriptionId is not null)
                errors.Add(Member("prescriptionId", "is for pharmacies checking a held prescription; a clinic sends the prescription document it is about to register"));
            if (request.Document is null) errors.Add(Member("document", "is required: base64 of the JAHIS prescription (no signature needed)"));
            var encoding = EncodingOf(request.Encoding, errors);
            var bytes = request.Document is null ? null : Base64(request.Document, "document", errors);
            ThrowIfAny(errors);

            var (prescription, _) = Register.ReadDocument(bytes!, encoding);
            if (prescription.Institution.InstitutionNumber != caller.InstitutionCode)
            {
                throw new DomainException(ErrorCodes.InstitutionMismatch,
                    $"The prescription was issued by institution {prescription.Institution.InstitutionNumber} (record 1), but your API key " +
                    $"belongs to institution {caller.InstitutionCode}. A clinic checks only its own prescriptions.");
            }

            await using var connection = await database.OpenAsync(cancellationToken);
            var duplicates = await store.FindDuplicatesAsync(connection, null, patientKeys.For(prescription), MedicationLines.ToCheck(prescription),
                excludePrescriptionId: null, consent, caller.InstitutionCode, cancellationToken);
            return new Response(duplicates);
        }

        /// <summary>The prescription the pharmacy holds, or the dispensing document it is about to send for it.</summary>
        private async Task<Response> ForPharmacyAsync(Request request, MedicationConsent consent, Caller caller, CancellationToken cancellationToken)
        {
            var errors = new List<DocumentError>();
            if (string.IsNullOrWhiteSpace(request.PrescriptionId))
                errors.Add(Member("prescriptionId", "is required: the ID of the prescription you hold"));
            var encoding = EncodingOf(request.Encoding, errors);
            var bytes = request.Document is null ? null : Base64(request.Document, "document", errors);
            ThrowIfAny(errors);

            await using var connection = await database.OpenAsync(cancellationToken);
            var held = PrescriptionId.TryParse(request.PrescriptionId, out var id)
                ? await connection.QuerySingleOrDefaultAsync<HeldPrescription>(new CommandDefinition(
                    """
                    SELECT id AS Id, patient_key AS PatientKey, institution_code AS InstitutionCode, holder_client_id AS HolderClientId,
                           document AS Document, document_encoding AS DocumentEncoding
                    FROM prescriptions WHERE id = @id
                    """, new { id = id.Value }, cancellationToken: cancellationToken))
                : null;
            // Anyone but the holder learns nothing, not even that the ID exists (as for status).
            if (held is null || held.HolderClientId != caller.ClientId)
            {
                var shown = request.PrescriptionId!.Length > 40 ? request.PrescriptionId[..40] + "…" : request.PrescriptionId;
                throw new DomainException(ErrorCodes.PrescriptionNotFound,
                    $"You hold no prescription '{shown}'. A pharmacy checks a prescription it has received (and not returned).");
            }

            if (bytes is null)
            {
                return new Response(await ForHeldPrescriptionAsync(store, connection, null, held.Id, held.PatientKey, consent, held.InstitutionCode,
                    cancellationToken));
            }

            var notebook = ReadDispensing(bytes, encoding);
            // The prescription's RPs give the route where the pharmacy left the 剤形コード out, as when the dispensing is recorded.
            var prescription = PrescriptionReader.Read(JahisReader.Read(held.Document,
                held.DocumentEncoding == "utf-8" ? TextEncodingKind.Utf8 : TextEncodingKind.ShiftJis));
            var duplicates = await store.FindDuplicatesAsync(connection, null, held.PatientKey, MedicationLines.ToCheck(notebook, prescription), held.Id,
                consent, held.InstitutionCode, cancellationToken);
            return new Response(duplicates);
        }
    }

    private sealed class HeldPrescription
    {
        public string Id { get; init; } = "";
        public string PatientKey { get; init; } = "";
        public string? InstitutionCode { get; init; }
        public string? HolderClientId { get; init; }
        public byte[] Document { get; init; } = [];
        public string DocumentEncoding { get; init; } = "";
    }

    /// <summary>A dispensing document as the dispensing result takes it: JAHISTC, output kind 1, valid, one dispensing.</summary>
    private static NotebookDocument ReadDispensing(byte[] bytes, TextEncodingKind encoding)
    {
        JahisDocument document;
        try
        {
            document = JahisReader.Read(bytes, encoding);
        }
        catch (JahisFormatException e)
        {
            throw new DomainException(ErrorCodes.DocumentInvalid, e.Message, [new DocumentError(1, null, null, e.Message)]);
        }
        if (document.Format != JahisFormat.Notebook || document.OutputKind != "1")
        {
            const string message = "a pharmacy checks the dispensing document it is about to send: a JAHIS notebook document, first line JAHISTC08,1";
            throw new DomainException(ErrorCodes.DocumentInvalid, "The document is not a JAHIS notebook document with output kind 1.",
                [new DocumentError(1, document.VersionRecord.Number, null, message)]);
        }
        var report = JahisValidator.Validate(document);
        if (!report.IsValid)
        {
            var errors = report.Errors.Select(Register.ToError).ToList();
            throw new DomainException(ErrorCodes.DocumentInvalid,
                $"The dispensing document has {errors.Count} error(s); each is listed with its line, record and field.", errors);
        }
        var notebook = Register.ReadTyped(() => NotebookReader.Read(document), "dispensing document");
        if (notebook.DispensingBlocks.Count != 1)
        {
            var message = $"a dispensing document holds exactly one dispensing (record 5); this one holds {notebook.DispensingBlocks.Count}";
            throw new DomainException(ErrorCodes.DocumentInvalid, $"The dispensing document is not one dispensing: {message}.",
                [new DocumentError(document.First("5")?.Line, "5", null, message)]);
        }
        return notebook;
    }

    // The body's members are decoded as a signed submission's are (one wording for every endpoint).
    private static TextEncodingKind EncodingOf(string? encoding, List<DocumentError> errors) => SignedSubmission.EncodingOf(encoding, errors);

    private static byte[]? Base64(string value, string member, List<DocumentError> errors) => SignedSubmission.Base64(value, member, errors);

    private static DocumentError Member(string member, string message) => SignedSubmission.Member(member, message);

    private static void ThrowIfAny(List<DocumentError> errors)
    {
        if (errors.Count > 0)
            throw new DomainException(ErrorCodes.RequestInvalid, "The request body is not a medication check: " + string.Join("; ", errors.Select(e => e.Message)), errors);
    }
}
