using System.Data.Common;
using System.Text;
using System.Text.Json;
using Dapper;
using EPrescription.Contracts;
using EPrescription.Server.Audit;
using EPrescription.Formats.Notebook;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Formats.Validation;
using EPrescription.Server.Messaging;
using EPrescription.Server.MedicationChecks;
using EPrescription.Server.Storage;
using EPrescription.Server.Time;
using EPrescription.Signatures.Verification;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// The dispensing result (調剤結果): a JAHIS notebook document (JAHISTC, output kind 1) signed by a pharmacist, from the pharmacy
/// that holds the prescription. Its patient (record 1) must be the prescription's, its prescribing institution (record 51) the
/// issuing clinic, its dispensing pharmacy (record 11) the caller, and every RP one of the prescription's; otherwise
/// DISPENSING_MISMATCH lists each difference. Drugs other than those prescribed are recorded as substitutions.
/// </summary>
public static class Dispense
{
    public sealed record Substitution(int Rp, string Dispensed, string? DispensedCode, IReadOnlyList<string> Prescribed);

    internal sealed class Handler(PrescriptionStore store, ProcessedMessages processed, CmsSignatureVerifier verifier, TimeProvider time)
    {
        private readonly MedicationStore _medications = new(time);

        public Task<object> HandleAsync(RecordDispensing command, CancellationToken cancellationToken = default, Delivery delivery = Delivery.Bus)
        {
            // Signature checks and parsing need no database: done before the transaction, so it holds its locks only briefly.
            var submitted = Submitted.Check(command, verifier);
            return processed.HandleOnceAsync("dispense", command.MessageId, Pharmacies.Caller(command.PharmacyClientId, command.CorrelationId),
                AuditActions.Dispense, command.PrescriptionId,
                (connection, transaction, batch) => DispenseAsync(connection, transaction, batch, command, submitted), cancellationToken,
                delivery: delivery);
        }

        private async Task<object> DispenseAsync(DbConnection connection, DbTransaction transaction, WriteBatch batch, RecordDispensing command, Submitted submitted)
        {
            if (!PrescriptionId.TryParse(command.PrescriptionId, out var id)) throw Receive.NotFound(command.PrescriptionId);
            var contentHash = ContentHash(command);
            var (client, row, earlier) = await LoadAsync(connection, transaction, id.Value, command.PharmacyClientId, contentHash);
            var pharmacy = Pharmacies.Require(client, command.CorrelationId);
            if (row is null) throw Receive.NotFound(command.PrescriptionId);
            // A retry whose first answer was lost: the same pharmacy sends the same signed document again. It gets the first
            // answer (same dispensingId), not ALREADY_DISPENSED, and a part is not recorded twice (SPEC §4).
            if (earlier is not null) return FirstAnswer(row, earlier, command.CorrelationId);

            var today = JapanTime.Today(time);
            var dispensedOn = submitted.Notebook?.DispensingBlocks.FirstOrDefault()?.Date.Date?.ToDateOnly() ?? today;
            var prescription = PrescriptionReader.Read(JahisReader.Read(row.Document, row.Encoding));
            var nextDueOn = command.NextDueOn
                ?? dispensedOn.AddDays(submitted.Notebook is { } notebook ? MedicationLines.InternalSupplyDays(notebook, prescription) : 0);
            var decision = PrescriptionLifecycle.Decide(row.State, pharmacy.Actor,
                new LifecycleAction.Dispense(command.Part, command.EndsRefill, nextDueOn), today);
            if (decision.Refusal is not null)
            {
                store.Save(batch, row, decision, pharmacy, command.CorrelationId, time.GetUtcNow().UtcDateTime); // an expiry on the way
                throw decision.Refusal;
            }
            if (submitted.Problem is not null) throw submitted.Problem;
            var (content, document, notebookDocument, verification) = (submitted.Content!, submitted.Document!, submitted.Notebook!, submitted.Verification);
            if (decision.Next!.Status == PrescriptionStatus.AwaitingRefill && command.NextDueOn is { } stated && stated <= dispensedOn)
            {
                throw new DomainException(ErrorCodes.RequestInvalid,
                    $"refill.nextDueOn ({stated:yyyy-MM-dd}) must lie after the dispensing date ({dispensedOn:yyyy-MM-dd}).");
            }

            var (mismatches, substitutions) = Compare(prescription, document, notebookDocument, pharmacy, row.IssuedOn);
            if (mismatches.Count > 0)
            {
                throw new DomainException(ErrorCodes.DispensingMismatch,
                    $"The dispensing result does not match the prescription in {mismatches.Count} place(s); each is listed.", mismatches);
            }

            var now = time.GetUtcNow().UtcDateTime;
            var block = notebookDocument.DispensingBlocks[0];
            var dispensingId = "dsp_" + Guid.NewGuid().ToString("N")[..20];
            var substitutionsJson = JsonSerializer.Serialize(substitutions);
            var useNumber = row.UsesDone + 1;
            var sequence = await connection.ExecuteScalarAsync<long>(
                """
                INSERT INTO dispensings (id, prescription_id, pharmacy_client_id, patient_key, dispensed_on, document, signature,
                    signature_detached, verification, substitutions, recorded_at, use_number, part, content_hash, important, note_to_prescriber)
                VALUES (@dispensingId, @prescriptionId, @pharmacy, @patientKey, @dispensedOn, @document, @signature, @detached,
                    @verification, @substitutions, @now, @useNumber, @part, @contentHash, @important, @note);
                SELECT sequence FROM dispensings WHERE id = @dispensingId
                """,
                new
                {
                    dispensingId, prescriptionId = row.Id, pharmacy = pharmacy.ClientId, patientKey = row.PatientKey, dispensedOn,
                    document = content, signature = command.Signature, detached = command.Detached,
                    verification = JsonSerializer.Serialize(VerificationSummary.From(verification)), substitutions = substitutionsJson, now,
                    useNumber, part = command.Part, contentHash, important = command.Important, note = command.NoteToPrescriber,
                }, transaction);

            // What the patient now takes (SPEC §10): the dispensed drugs from their own date; the prescription's lines end when
            // its use is done (a refill's next use counts from its own dispensing).
            _medications.Add(batch, row.PatientKey, MedicationLines.FromDispensing(notebookDocument, prescription, row.Id, dispensingId, dispensedOn));
            if (!command.Part || row.TotalUses > 1) _medications.EndPrescription(batch, row.Id);

            var messageId = Guid.NewGuid();
            var publicId = PrescriptionId.Parse(row.Id).ToString();
            store.Save(batch, row, decision, pharmacy, command.CorrelationId, now,
                (messageId, new DispensingRecorded(messageId, command.CorrelationId, dispensingId, publicId, row.PatientKey, sequence, pharmacy.ClientId,
                    dispensedOn, now, command.Part, command.Important, command.NoteToPrescriber)));
            return new DispensingAccepted(command.CorrelationId, dispensingId, publicId, row.Status, dispensedOn,
                verification.Signer?.Name ?? block.Dispenser?.Name ?? "", substitutionsJson, now, command.Part, row.UsesDone, row.TotalUses, row.NextDueOn);
        }

        private async Task<(ActingClient? Client, PrescriptionRow? Row, EarlierDispensing? Earlier)> LoadAsync(DbConnection connection,
            DbTransaction transaction, string id, string pharmacyClientId, string contentHash)
        {
            var (client, row) = await store.LoadForChangeAsync(connection, transaction, id, pharmacyClientId);
            if (row is null) return (client, null, null);
            var earlier = await connection.QuerySingleOrDefaultAsync<EarlierDispensing>(
                """
                SELECT id AS Id, dispensed_on AS DispensedOn, verification AS Verification, substitutions AS Substitutions,
                       recorded_at AS RecordedAt, part AS Part, use_number AS UseNumber
                FROM dispensings WHERE prescription_id = @id AND pharmacy_client_id = @pharmacy AND content_hash = @contentHash
                """,
                new { id, pharmacy = pharmacyClientId, contentHash }, transaction);
            return (client, row, earlier);
        }
    }

    /// <summary>The same signed bytes from the same pharmacy are the same dispensing: SHA-256 over the signature and a detached document.</summary>
    private static string ContentHash(RecordDispensing command) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
        command.Detached ? [.. command.Signature, .. command.Document] : command.Signature));

    /// <summary>The answer given to the dispensing that a retry repeats byte for byte, with the prescription as it stands now.</summary>
    private static DispensingAccepted FirstAnswer(PrescriptionRow row, EarlierDispensing earlier, Guid correlationId)
    {
        var signer = JsonSerializer.Deserialize<VerificationSummary>(earlier.Verification)?.Signer;
        return new DispensingAccepted(correlationId, earlier.Id, PrescriptionId.Parse(row.Id).ToString(), row.Status, earlier.DispensedOn,
            signer ?? "", earlier.Substitutions, earlier.RecordedAt, earlier.Part, earlier.Part ? earlier.UseNumber - 1 : earlier.UseNumber, row.TotalUses, row.NextDueOn);
    }

    private sealed class EarlierDispensing
    {
        public string Id { get; init; } = "";
        public DateOnly DispensedOn { get; init; }
        public string Verification { get; init; } = "";
        public string Substitutions { get; init; } = "";
        public DateTime RecordedAt { get; init; }
        public bool Part { get; init; }
        public int UseNumber { get; init; }
    }

    /// <summary>The submitted dispensing result after the checks that need no database, or the refusal they came to.</summary>
    private sealed record Submitted(SignatureVerificationResult Verification, byte[]? Content, JahisDocument? Document, NotebookDocument? Notebook, DomainException? Problem)
    {
        public static Submitted Check(RecordDispensing command, CmsSignatureVerifier verifier)
        {
            var verification = command.Detached
                ? verifier.VerifyDetached(command.Document, command.Signature, ExpectedSignerRole.Pharmacist)
                : verifier.VerifyEncapsulated(command.Signature, ExpectedSignerRole.Pharmacist);
            try
            {
                var content = command.Detached ? command.Document : verification.SignedContent ?? throw Register.SignatureProblem(verification);
                var encoding = command.Encoding?.Trim().ToLowerInvariant() is "utf-8" or "utf8" ? TextEncodingKind.Utf8 : TextEncodingKind.ShiftJis;
                var (document, notebook) = ReadNotebook(content, encoding);
                if (!verification.IsValid) throw Register.SignatureProblem(verification);
                return new Submitted(verification, content, document, notebook, null);
            }
            catch (DomainException problem)
            {
                return new Submitted(verification, null, null, null, problem);
            }
        }
    }

    private static (JahisDocument Document, NotebookDocument Notebook) ReadNotebook(byte[] content, TextEncodingKind encoding)
    {
        JahisDocument document;
        try
        {
            document = JahisReader.Read(content, encoding);
        }
        catch (JahisFormatException e)
        {
            throw new DomainException(ErrorCodes.DocumentInvalid, e.Message, [new DocumentError(1, null, null, e.Message)]);
        }
        if (document.Format != JahisFormat.Notebook || document.OutputKind != "1")
        {
            const string message = "a dispensing result is a JAHIS notebook document from the pharmacy to the patient: first line JAHISTC08,1";
            throw new DomainException(ErrorCodes.DocumentInvalid, "The document is not a JAHIS notebook document with output kind 1.",
                [new DocumentError(1, document.VersionRecord.Number, null, message)]);
        }
        var report = JahisValidator.Validate(document);
        if (!report.IsValid)
        {
            var errors = report.Errors.Select(Register.ToError).ToList();
            throw new DomainException(ErrorCodes.DocumentInvalid, $"The dispensing result has {errors.Count} error(s); each is listed with its line, record and field.", errors);
        }
        return (document, Register.ReadTyped(() => NotebookReader.Read(document), "dispensing result"));
    }

    private static (List<DocumentError> Mismatches, List<Substitution> Substitutions) Compare(
        Prescription prescription, JahisDocument document, NotebookDocument notebook, Caller pharmacy, DateOnly issuedOn)
    {
        var errors = new List<DocumentError>();
        int? LineOf(string record, int nth = 0) => document.All(record).Skip(nth).FirstOrDefault()?.Line;

        if (notebook.DispensingBlocks.Count != 1)
        {
            errors.Add(new DocumentError(LineOf("5"), "5", null, $"a dispensing result holds exactly one dispensing (record 5); this one holds {notebook.DispensingBlocks.Count}"));
            return (errors, []);
        }
        var block = notebook.DispensingBlocks[0];

        var patient = prescription.Patient;
        if (!SameName(notebook.Patient.Name, patient.Name) && !SameName(notebook.Patient.Name, patient.KanaName))
            errors.Add(new DocumentError(LineOf("1"), "1", 1, "the patient's name differs from the prescription's"));
        if (notebook.Patient.Sex != patient.Sex)
            errors.Add(new DocumentError(LineOf("1"), "1", 2, "the patient's sex differs from the prescription's"));
        var birth = notebook.Patient.BirthDate.Date;
        if (birth is null || birth.Value.Year != patient.BirthDate.Year
            || patient.BirthDate.Month is { } month && birth.Value.Month != month || patient.BirthDate.Day is { } day && birth.Value.Day != day)
            errors.Add(new DocumentError(LineOf("1"), "1", 3, "the patient's birth date differs from the prescription's"));

        var institution = prescription.Institution;
        var prescribing = block.PrescribingInstitution;
        var expectedTable = string.IsNullOrEmpty(institution.CodeKind) ? "1" : institution.CodeKind;
        if (prescribing is null)
            errors.Add(new DocumentError(LineOf("5"), "51", null, "record 51 (prescribing institution) is missing; it names the clinic that issued the prescription"));
        else if (prescribing.Prefecture != institution.Prefecture || prescribing.ScoreTable != expectedTable || prescribing.Code != institution.Code)
            errors.Add(new DocumentError(LineOf("51"), "51", 2,
                $"the prescribing institution is {prescribing.Prefecture}{prescribing.ScoreTable}{prescribing.Code}, but the prescription was issued by {institution.InstitutionNumber}"));

        var dispensing = block.DispensingInstitution;
        var dispensingCode = dispensing is null ? null : $"{dispensing.Prefecture}{dispensing.ScoreTable}{dispensing.Code}";
        if (dispensingCode != pharmacy.InstitutionCode)
            errors.Add(new DocumentError(LineOf("11"), "11", 2,
                $"the dispensing pharmacy is {dispensingCode ?? "missing"}, but the prescription is held by {pharmacy.InstitutionCode}"));

        if (block.Date.Date is { IsComplete: true } date && date.ToDateOnly() < issuedOn)
            errors.Add(new DocumentError(LineOf("5"), "5", 1, $"the dispensing date {date} lies before the issue date {issuedOn:yyyyMMdd}"));

        var substitutions = new List<Substitution>();
        var rpIndex = 0;
        foreach (var rp in block.AllRps)
        {
            var prescribed = prescription.Rps.FirstOrDefault(r => r.Number == rp.Number);
            if (prescribed is null)
            {
                errors.Add(new DocumentError(FirstDrugLine(document, rp.Number), "201", 1,
                    $"RP {rp.Number} is not in the prescription (its RPs are {string.Join(", ", prescription.Rps.Select(r => r.Number))})"));
                continue;
            }
            foreach (var drug in rp.Drugs)
            {
                if (prescribed.Drugs.Any(p => Matches(drug, p))) continue;
                substitutions.Add(new Substitution(rp.Number, drug.Name, drug.Code, prescribed.Drugs.Select(p => p.Name ?? p.Code ?? "").ToList()));
            }
            rpIndex++;
        }
        if (rpIndex == 0 && errors.Count == 0)
            errors.Add(new DocumentError(LineOf("5"), "5", null, "the dispensing holds no RP of the prescription"));
        return (errors, substitutions);
    }

    private static int? FirstDrugLine(JahisDocument document, int rp) =>
        document.All("201").FirstOrDefault(r => r.Field(1) == rp.ToString(System.Globalization.CultureInfo.InvariantCulture))?.Line;

    private static bool Matches(NotebookDrug dispensed, PrescribedDrug prescribed) =>
        SameName(dispensed.Name, prescribed.Name) || SameName(dispensed.GenericName, prescribed.Name)
        || prescribed.Code is { Length: > 0 } code && (dispensed.Code == code || dispensed.GenericNameCode == code);

    /// <summary>Names compared as people read them: full- and half-width alike, blanks ignored.</summary>
    private static bool SameName(string? a, string? b) =>
        a is not null && b is not null && Normalize(a) == Normalize(b);

    private static string Normalize(string value) =>
        new(value.Normalize(NormalizationForm.FormKC).Where(c => !char.IsWhiteSpace(c)).ToArray());
}
