using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using EPrescription.Contracts;
using EPrescription.Formats.Prescriptions;
using EPrescription.Server.Audit;
using EPrescription.Server.MedicationChecks;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Formats.Validation;
using EPrescription.Server.Outbox;
using EPrescription.Server.Storage;
using EPrescription.Server.Time;
using EPrescription.Signatures.Verification;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// Registering a signed prescription (SPEC §1 step 1, §4 POST /v1/prescriptions): the JAHIS document is read and validated,
/// its CMS signature verified for a prescriber, its institution matched to the calling clinic, its dates checked in Japan time;
/// then it is stored with a new prescription ID and exchange code, its history started and PrescriptionRegistered put in the
/// outbox, all in one transaction. A retry with the same Idempotency-Key or the same signed document gets the first answer.
/// The same transaction stores the prescription's drug lines and checks them for duplicate medication (SPEC §10): the answer
/// lists what the patient already takes, and registration goes ahead whatever it finds (the doctor decides).
/// </summary>
public static class Register
{
    /// <summary>
    /// The body: <c>document</c> + detached <c>signature</c>, or <c>signedDocument</c> (CMS with the content inside); optional
    /// <c>consent</c> ("card" or "verbal") to see the duplicates' drug names and institutions.
    /// </summary>
    public sealed record Request(string? Document, string? Signature, string? SignedDocument, string? Encoding, string? Consent = null);

    public sealed record Response(
        string PrescriptionId,
        string ExchangeCode,
        string Status,
        DateOnly IssuedOn,
        DateOnly ExpiresOn,
        string SlipUrl,
        IReadOnlyList<DocumentError> Warnings,
        /// <summary>What the patient already takes of the same ingredient by the same route (empty when nothing).</summary>
        IReadOnlyList<DuplicateMedication> DuplicateMedication);

    /// <summary>
    /// The answer and whether it was replayed from an earlier identical request. A registration that was not replayed wrote its
    /// audit entry in its own transaction; a replayed one changed nothing and is audited by the edge like a read.
    /// </summary>
    public sealed record Outcome(Response Response, bool Replayed);

    public sealed class Handler(Database database, CmsSignatureVerifier verifier, PatientKeys patientKeys, TimeProvider time)
    {
        private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };

        private readonly MedicationStore _medications = new(time);

        public async Task<Outcome> HandleAsync(Request request, Caller caller, string? idempotencyKey, CancellationToken cancellationToken = default)
        {
            if (caller.InstitutionCode is null) throw new DomainException(ErrorCodes.Forbidden, "Only a clinic with an institution code registers prescriptions.");
            var body = SignedSubmission.Decode(request.Document, request.Signature, request.SignedDocument, request.Encoding, "a registration");
            var consent = MedicationCheck.ConsentOf(request.Consent);
            var requestHash = Hash(JsonSerializer.SerializeToUtf8Bytes(request, Json));

            // The same Idempotency-Key, or the same signed bytes (the same prescription, whatever key came with them): answer as
            // the first time. Both looked up at once.
            var contentHash = Hash([.. body.Document, .. body.Signature]);
            var contentKey = "content:" + contentHash;
            if (await ReplayAsync(caller.ClientId, idempotencyKey, requestHash, contentKey, cancellationToken) is { } replay)
                return new Outcome(replay, true);

            var verification = body.Detached
                ? verifier.VerifyDetached(body.Document, body.Signature, ExpectedSignerRole.Prescriber)
                : verifier.VerifyEncapsulated(body.Signature, ExpectedSignerRole.Prescriber);
            var documentBytes = body.Detached ? body.Document : verification.SignedContent;
            if (documentBytes is null)
                throw SignatureProblem(verification);

            var (prescription, warnings) = ReadDocument(documentBytes, body.Encoding);
            if (!verification.IsValid) throw SignatureProblem(verification);

            if (prescription.Institution.InstitutionNumber != caller.InstitutionCode)
            {
                throw new DomainException(ErrorCodes.InstitutionMismatch,
                    $"The prescription was issued by institution {prescription.Institution.InstitutionNumber} (record 1), " +
                    $"but your API key belongs to institution {caller.InstitutionCode}. A clinic registers only its own prescriptions.");
            }

            var today = JapanTime.Today(time);
            if (prescription.IssueDate > today)
            {
                throw new DomainException(ErrorCodes.DocumentInvalid,
                    $"The issue date {prescription.IssueDate:yyyy-MM-dd} lies in the future; today in Japan is {today:yyyy-MM-dd}.",
                    [new DocumentError(LineOf(documentBytes, body.Encoding, "51"), "51", 1, $"issue date {prescription.IssueDate:yyyy-MM-dd} is after today ({today:yyyy-MM-dd}, Japan time)")]);
            }
            if (prescription.RefillTotalUses is > 1 && prescription.Narcotics is not null)
            {
                throw new DomainException(ErrorCodes.DocumentInvalid,
                    "A refill prescription (リフィル, record 64) may not prescribe a narcotic (麻薬, record 61).",
                    [new DocumentError(LineOf(documentBytes, body.Encoding, "61"), "61", null, "a narcotic prescription (麻薬施用者, record 61) cannot be a refill prescription"),
                     new DocumentError(LineOf(documentBytes, body.Encoding, "64"), "64", 1, $"total uses {prescription.RefillTotalUses}: a refill may not carry a narcotic")]);
            }
            var expiresOn = prescription.ExpiryDate ?? prescription.IssueDate.AddDays(3);
            if (expiresOn < today)
            {
                throw new DomainException(ErrorCodes.Expired,
                    $"The prescription was valid through {expiresOn:yyyy-MM-dd} and today in Japan is {today:yyyy-MM-dd}; it can no longer be registered.");
            }

            var id = PrescriptionId.New();
            var response = new Response(id.ToString(), ExchangeCode.New().Value, Statuses.Name(PrescriptionStatus.Registered),
                prescription.IssueDate, expiresOn, $"/v1/prescriptions/{id}/slip", warnings, []);
            var patientKey = patientKeys.For(prescription);
            IReadOnlyList<DuplicateMedication> duplicates;
            await using (var read = await database.OpenAsync(cancellationToken))
                duplicates = await MedicationCheck.AtRegistrationAsync(_medications, read, prescription, id.Value, patientKey, consent, cancellationToken);
            response = response with { DuplicateMedication = duplicates };
            var now = time.GetUtcNow().UtcDateTime;

            try
            {
                await database.InTransactionAsync(async (connection, transaction) =>
                {
                    // The prescription, its history, its event, the idempotency records and the audit entry: one round trip.
                    var batch = new WriteBatch();
                    batch.Add(
                        """
                        INSERT INTO prescriptions (id, clinic_client_id, institution_code, exchange_code, status, issued_on, expires_on,
                            document, document_encoding, signature, signature_detached, content_hash, parsed, verification, patient_key,
                            registered_at, updated_at, total_uses, valid_through, split_part, split_of)
                        VALUES (@id, @clinic, @institution, @code, @status, @issuedOn, @expiresOn, @document, @encoding, @signature,
                            @detached, @contentHash, @parsed, @verification, @patientKey, @now, @now, @totalUses, @expiresOn, @splitPart, @splitOf)
                        """,
                        new
                        {
                            id = id.Value, clinic = caller.ClientId, institution = caller.InstitutionCode, code = response.ExchangeCode,
                            status = response.Status, issuedOn = prescription.IssueDate, expiresOn, document = documentBytes,
                            encoding = StoredEncodings.Name(body.Encoding), signature = body.Signature,
                            detached = body.Detached, contentHash, parsed = JsonSerializer.Serialize(prescription, Json),
                            verification = JsonSerializer.Serialize(VerificationSummary.From(verification), Json),
                            patientKey, now, totalUses = Math.Max(1, prescription.RefillTotalUses ?? 1),
                            splitPart = prescription.SplitInstruction?.SplitIndex, splitOf = prescription.SplitInstruction?.SplitCount,
                        });
                    PrescriptionStore.AppendHistory(batch, id.Value, "register", null, PrescriptionStatus.Registered,
                        caller.ClientId, caller.CorrelationId.ToString(), now);
                    _medications.Add(batch, patientKey, MedicationLines.FromPrescription(prescription, id.Value, expiresOn));
                    var messageId = Guid.NewGuid();
                    OutboxWriter.Add(batch, messageId, caller.CorrelationId,
                        new PrescriptionRegistered(messageId, caller.CorrelationId, id.ToString(), caller.InstitutionCode, prescription.IssueDate, expiresOn, now), now);
                    Remember(batch, caller.ClientId, contentKey, contentKey, response, now);
                    if (idempotencyKey is not null) Remember(batch, caller.ClientId, idempotencyKey, requestHash, response, now);
                    AuditLog.Add(batch, now, caller, AuditActions.Register, response.PrescriptionId, "OK", 201, caller.CorrelationId,
                        MedicationCheck.AuditDetail(consent, response.DuplicateMedication.Count));
                    await batch.ExecuteAsync(connection, transaction);
                }, cancellationToken);
            }
            catch (System.Data.Common.DbException e) when (database.Dialect.IsUniqueViolation(e))
            {
                // A concurrent identical request won the race: answer as it did.
                var first = await ReplayAsync(caller.ClientId, idempotencyKey, requestHash, contentKey, cancellationToken);
                if (first is null) throw;
                return new Outcome(first, true);
            }
            return new Outcome(response, false);
        }

        /// <summary>
        /// The first answer to this request: by its Idempotency-Key (refused when the key came with a different request), else by
        /// its signed content. Null when neither was seen.
        /// </summary>
        private async Task<Response?> ReplayAsync(string clientId, string? idempotencyKey, string requestHash, string contentKey, CancellationToken cancellationToken)
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            var stored = (await connection.QueryAsync<(string Key, string RequestHash, string Response)>(
                "SELECT idempotency_key, request_hash, response FROM idempotency_keys WHERE client_id = @clientId AND idempotency_key IN (@idempotencyKey, @contentKey)",
                new { clientId, idempotencyKey = idempotencyKey ?? contentKey, contentKey })).ToList();
            if (idempotencyKey is not null && stored.FirstOrDefault(s => s.Key == idempotencyKey) is { Response: not null } byKey)
            {
                if (byKey.RequestHash != requestHash)
                {
                    throw new DomainException(ErrorCodes.IdempotencyConflict,
                        $"The Idempotency-Key '{idempotencyKey}' was already used for a different request. Use a new key for a new prescription.");
                }
                return JsonSerializer.Deserialize<Response>(byKey.Response, Json);
            }
            var first = stored.FirstOrDefault(s => s.Key == contentKey) is { Response: not null } byContent
                ? JsonSerializer.Deserialize<Response>(byContent.Response, Json)
                : null;
            // Answers stored before the check existed have no list: nothing was checked, so nothing was found.
            return first is { DuplicateMedication: null } ? first with { DuplicateMedication = [] } : first;
        }

        private static void Remember(WriteBatch batch, string clientId, string key, string requestHash, Response response, DateTime now) =>
            batch.Add(
                """
                INSERT INTO idempotency_keys (client_id, idempotency_key, request_hash, status_code, response, created_at)
                VALUES (@clientId, @key, @requestHash, 201, @response, @now)
                """,
                new { clientId, key, requestHash, response = JsonSerializer.Serialize(response, Json), now });
    }

    /// <summary>Reads and validates the document; every error at once, or the typed prescription and the warnings.</summary>
    internal static (Prescription Prescription, IReadOnlyList<DocumentError> Warnings) ReadDocument(byte[] bytes, TextEncodingKind encoding)
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
        if (document.Format != JahisFormat.Prescription)
        {
            const string message = "this is a JAHIS notebook document (JAHISTC); a prescription starts with JAHIS5 … JAHIS10";
            throw new DomainException(ErrorCodes.DocumentInvalid, "The document is not a JAHIS prescription.", [new DocumentError(1, document.VersionRecord.Number, null, message)]);
        }
        var report = JahisValidator.Validate(document);
        if (!report.IsValid)
        {
            var errors = report.Errors.Select(ToError).ToList();
            throw new DomainException(ErrorCodes.DocumentInvalid,
                $"The prescription has {errors.Count} error(s); each is listed with its line, record and field.", errors);
        }
        return (ReadTyped(() => PrescriptionReader.Read(document), "prescription"), report.Warnings.Select(ToError).ToList());
    }

    /// <summary>
    /// Reads the typed model of a document the validator accepted. Should the typed reader still fail, that is a defect between
    /// the two, answered as a validation error (SPEC §9) rather than a 500, and without the reader's message, which may quote
    /// the field it choked on.
    /// </summary>
    internal static T ReadTyped<T>(Func<T> read, string what)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or OverflowException
                                      or IndexOutOfRangeException or NullReferenceException or KeyNotFoundException or JahisFormatException)
        {
            var message = $"the {what} passed validation but could not be read into its typed model ({e.GetType().Name}); this is a defect of the service, please report it";
            throw new DomainException(ErrorCodes.DocumentInvalid, $"The {what} could not be read: {message}.", [new DocumentError(null, null, null, message)]);
        }
    }

    private static int? LineOf(byte[] bytes, TextEncodingKind encoding, string record) =>
        JahisReader.Read(bytes, encoding).First(record)?.Line;

    internal static DocumentError ToError(FormatProblem p) => new(p.Line, p.Record, p.Field, p.FieldName is null ? p.Message : $"{p.FieldName}: {p.Message}");

    internal static DomainException SignatureProblem(SignatureVerificationResult result)
    {
        var failures = result.Failures;
        var code = result.FailureCode ?? ErrorCodes.SignatureInvalid;
        return new DomainException(code,
            "The signature does not verify: " + string.Join(" ", failures.Select(f => f.Message)),
            extensions: new Dictionary<string, object?>
            {
                ["checks"] = result.Checks.Select(c => new { check = c.Check.ToString(), outcome = c.Outcome.ToString(), message = c.Message }).ToList(),
            });
    }

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}

/// <summary>What the verification found, as stored with the prescription and returned to the pharmacy.</summary>
public sealed record VerificationSummary(bool Valid, string? Signer, string? Organization, string? Role, string? CertificateSerial, string? Issuer, DateTimeOffset? SigningTime)
{
    public static VerificationSummary From(SignatureVerificationResult result) => new(result.IsValid, result.Signer?.Name, result.Signer?.Organization,
        result.Signer?.Role, result.Signer?.SerialNumber, result.Signer?.Issuer, result.Signer?.SigningTime);
}
