using System.Text.Json;
using EPrescription.Api.Infrastructure;
using EPrescription.Contracts;
using EPrescription.Server;
using EPrescription.Server.Audit;
using EPrescription.Server.Clients;
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
    public sealed record ReceiveRequest(string? ExchangeCode);

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
        DateOnly ExpiresOn);

    public sealed record DispensingRequest(string? Document, string? Signature, string? SignedDocument, string? Encoding);

    public sealed record ReturnResponse(string PrescriptionId, string Status, DateTime ReturnedAt);

    public sealed record DispensingResponse(
        string DispensingId, string PrescriptionId, string Status, DateOnly DispensedOn, string Pharmacist, JsonElement Substitutions, DateTime RecordedAt);

    public static void Map(RouteGroupBuilder v1)
    {
        var prescriptions = v1.MapGroup("/prescriptions").WithTags("Pharmacies");

        prescriptions.MapPost("/{id}/receive", async (string id, HttpContext http, PrescriptionRequests requests) =>
            {
                var body = await RequestBody.ReadJsonAsync<ReceiveRequest>(http.Request);
                if (string.IsNullOrWhiteSpace(body.ExchangeCode))
                    throw new DomainException(ErrorCodes.RequestInvalid, "Send the exchange code from the patient's slip: {\"exchangeCode\": \"123456\"}.");
                var caller = http.Caller();
                var reply = await requests.SendAsync<ReceivePrescription, PrescriptionHandedOver>(
                    new ReceivePrescription(NewId.NextGuid(), caller.CorrelationId, id, body.ExchangeCode, caller.ClientId), http);
                return TypedResults.Ok(new ReceiveResponse(reply.PrescriptionId, reply.Status, Convert.ToBase64String(reply.Document), reply.DocumentEncoding,
                    Convert.ToBase64String(reply.Signature), reply.SignatureDetached, Parse(reply.Prescription), Parse(reply.Verification), reply.IssuedOn, reply.ExpiresOn));
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
                var caller = http.Caller();
                var reply = await requests.SendAsync<RecordDispensing, DispensingAccepted>(
                    new RecordDispensing(NewId.NextGuid(), caller.CorrelationId, id, caller.ClientId, submission.Document, submission.Signature, submission.Detached, body.Encoding), http);
                return TypedResults.Ok(new DispensingResponse(reply.DispensingId, reply.PrescriptionId, reply.Status, reply.DispensedOn,
                    reply.Pharmacist, Parse(reply.Substitutions), reply.RecordedAt));
            })
            .RequireRole(ClientRole.Pharmacy)
            .WithMetadata(new AuditAction(AuditActions.Dispense))
            .Accepts<DispensingRequest>("application/json")
            .WithName("RecordDispensing")
            .WithSummary("Report the pharmacist-signed dispensing result (JAHISTC08, output kind 1); the prescription becomes dispensed");
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
