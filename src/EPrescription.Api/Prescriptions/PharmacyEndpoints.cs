using System.Text.Json;
using EPrescription.Api.Infrastructure;
using EPrescription.Contracts;
using EPrescription.Server;
using EPrescription.Server.Audit;
using EPrescription.Server.Clients;
using EPrescription.Server.MedicationChecks;
using EPrescription.Server.Messaging;
using EPrescription.Server.Prescriptions;
using MassTransit;

namespace EPrescription.Api.Prescriptions;

/// <summary>
/// The pharmacy side of /v1/prescriptions: receive, return, dispensing. Each request travels over the bus to the prescription
/// server, which owns every state change, and the answer comes back as the reply (request/response), so the API and the
/// server can run as separate processes.
/// </summary>
public static class PharmacyEndpoints
{
    /// <summary><c>consent</c>: "card" or "verbal" (口頭同意) when the patient agreed to show what else they take (SPEC §10).</summary>
    public sealed record ReceiveRequest(string? ExchangeCode, string? Consent = null);

    public sealed record ReceiveResponse(
        string PrescriptionId,
        string Status,
        string Document,
        string DocumentEncoding,
        string Signature,
        bool SignatureDetached,
        JsonElement Prescription,
        JsonElement Verification,
        DateOnly IssuedOn,
        DateOnly ExpiresOn,
        /// <summary>How often the prescription may be used (1, or 2–3 for a refill) and the uses completed before this one.</summary>
        int TotalUses,
        int UsesDone,
        /// <summary>The parts (分割調剤) of this use already dispensed, by this or another pharmacy (継続調剤).</summary>
        IReadOnlyList<PartDispensed> Parts,
        /// <summary>The duplicate-medication check (重複投薬チェック) of the prescription against what the patient takes.</summary>
        IReadOnlyList<DuplicateMedication> DuplicateMedication);

    /// <summary>
    /// The dispensing result and what the pharmacy says with it: <c>part</c> (分割調剤: the pharmacy keeps the prescription),
    /// <c>refill</c> (<c>ends</c>: 調剤終了; <c>nextDueOn</c>: the next use's due date), <c>important</c> (重要情報) and
    /// <c>noteToPrescriber</c> (at most 1,000 characters) for the issuing clinic.
    /// </summary>
    public sealed record DispensingRequest(string? Document, string? Signature, string? SignedDocument, string? Encoding,
        bool? Part = null, RefillInstruction? Refill = null, bool? Important = null, string? NoteToPrescriber = null);

    public sealed record RefillInstruction(bool? Ends, DateOnly? NextDueOn);

    /// <summary>A refill after this dispensing: uses done of total, and when the next use is due (± 7 days: the window).</summary>
    public sealed record RefillOutcome(int TotalUses, int UsesDone, DateOnly? NextDueOn, RefillWindow? Window);

    public const int NoteToPrescriberMaxLength = 1000;

    public sealed record ReturnResponse(string PrescriptionId, string Status, DateTime ReturnedAt);

    public sealed record DispensingResponse(
        string DispensingId, string PrescriptionId, string Status, DateOnly DispensedOn, string Pharmacist, JsonElement Substitutions, DateTime RecordedAt,
        bool Part, RefillOutcome? Refill);

    public static void Map(RouteGroupBuilder v1)
    {
        var prescriptions = v1.MapGroup("/prescriptions").WithTags("Pharmacies");

        prescriptions.MapPost("/{id}/receive", async (string id, HttpContext http, PrescriptionRequests requests) =>
            {
                var body = await RequestBody.ReadJsonAsync<ReceiveRequest>(http.Request);
                if (string.IsNullOrWhiteSpace(body.ExchangeCode))
                    throw new DomainException(ErrorCodes.RequestInvalid, "Send the exchange code from the patient's slip: {\"exchangeCode\": \"123456\"}.");
                var consent = MedicationCheck.ConsentOf(body.Consent);
                var caller = http.Caller();
                var reply = await requests.SendAsync<ReceivePrescription, PrescriptionHandedOver>(
                    new ReceivePrescription(NewId.NextGuid(), caller.CorrelationId, id, body.ExchangeCode, caller.ClientId,
                        consent == MedicationConsent.None ? null : consent.Name()), http);
                return TypedResults.Ok(new ReceiveResponse(reply.PrescriptionId, reply.Status, Convert.ToBase64String(reply.Document), reply.DocumentEncoding,
                    Convert.ToBase64String(reply.Signature), reply.SignatureDetached, Parse(reply.Prescription), Parse(reply.Verification), reply.IssuedOn, reply.ExpiresOn,
                    reply.TotalUses, reply.UsesDone, reply.Parts is null ? [] : JsonSerializer.Deserialize<List<PartDispensed>>(reply.Parts)!,
                    reply.DuplicateMedication is null ? [] : JsonSerializer.Deserialize<List<DuplicateMedication>>(reply.DuplicateMedication)!));
            })
            .RequireRole(ClientRole.Pharmacy)
            .WithMetadata(new AuditAction(AuditActions.Receive))
            .Accepts<ReceiveRequest>("application/json")
            .WithName("ReceivePrescription")
            .WithSummary("Receive (受付) a prescription by ID and exchange code: it is held by this pharmacy until dispensed or returned");

        prescriptions.MapPost("/{id}/return", async (string id, HttpContext http, PrescriptionRequests requests) =>
            {
                var caller = http.Caller();
                var reply = await requests.SendAsync<ReturnPrescription, PrescriptionStatusChanged>(
                    new ReturnPrescription(NewId.NextGuid(), caller.CorrelationId, id, caller.ClientId), http);
                return TypedResults.Ok(new ReturnResponse(reply.PrescriptionId, reply.Status, reply.ChangedAt));
            })
            .RequireRole(ClientRole.Pharmacy)
            .WithMetadata(new AuditAction(AuditActions.Return))
            .WithName("ReturnPrescription")
            .WithSummary("Give a held prescription back; it is registered again for any pharmacy (holding pharmacy only)");

        prescriptions.MapPost("/{id}/dispensing", async (string id, HttpContext http, PrescriptionRequests requests) =>
            {
                var body = await RequestBody.ReadJsonAsync<DispensingRequest>(http.Request);
                var submission = SignedSubmission.Decode(body.Document, body.Signature, body.SignedDocument, body.Encoding, "a dispensing result");
                CheckInstructions(body);
                var caller = http.Caller();
                var reply = await requests.SendAsync<RecordDispensing, DispensingAccepted>(
                    new RecordDispensing(NewId.NextGuid(), caller.CorrelationId, id, caller.ClientId, submission.Document, submission.Signature, submission.Detached, body.Encoding,
                        body.Part ?? false, body.Refill?.Ends ?? false, body.Refill?.NextDueOn, body.Important ?? false,
                        string.IsNullOrWhiteSpace(body.NoteToPrescriber) ? null : body.NoteToPrescriber.Trim()), http);
                var refill = reply.TotalUses > 1
                    ? new RefillOutcome(reply.TotalUses, reply.UsesDone, reply.NextDueOn, reply.NextDueOn is { } due ? RefillWindow.Around(due) : null)
                    : null;
                return TypedResults.Ok(new DispensingResponse(reply.DispensingId, reply.PrescriptionId, reply.Status, reply.DispensedOn,
                    reply.Pharmacist, Parse(reply.Substitutions), reply.RecordedAt, reply.Part, refill));
            })
            .RequireRole(ClientRole.Pharmacy)
            .WithMetadata(new AuditAction(AuditActions.Dispense))
            .Accepts<DispensingRequest>("application/json")
            .WithName("RecordDispensing")
            .WithSummary("Report the pharmacist-signed dispensing result (JAHISTC08, output kind 1): a part, a refill's use, or the final dispensing");
    }

    /// <summary>The instructions beside the signed document, checked before anything is sent on.</summary>
    private static void CheckInstructions(DispensingRequest body)
    {
        if (body.NoteToPrescriber is { Length: > NoteToPrescriberMaxLength } note)
        {
            throw new DomainException(ErrorCodes.RequestInvalid,
                $"noteToPrescriber has {note.Length} characters; it may have at most {NoteToPrescriberMaxLength:N0}.");
        }
        if (body.Part == true && body.Refill?.Ends == true)
        {
            throw new DomainException(ErrorCodes.RequestInvalid,
                "A part (\"part\": true) continues the prescription, so it cannot also end the refill (\"refill\": {\"ends\": true}); send one or the other.");
        }
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
