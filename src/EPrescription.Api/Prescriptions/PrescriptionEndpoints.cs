using EPrescription.Api.Infrastructure;
using EPrescription.Server.Audit;
using EPrescription.Server.Clients;
using EPrescription.Server.MedicationChecks;
using EPrescription.Server.Prescriptions;

namespace EPrescription.Api.Prescriptions;

/// <summary>The clinic side of /v1/prescriptions: register, status, slip, cancel.</summary>
public static class PrescriptionEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        var prescriptions = v1.MapGroup("/prescriptions").WithTags("Prescriptions");

        prescriptions.MapPost("/", async (HttpContext http, Register.Handler handler) =>
            {
                var request = await RequestBody.ReadJsonAsync<Register.Request>(http.Request);
                var key = http.Request.Headers["Idempotency-Key"].ToString();
                if (key.Length > 200) throw new Server.DomainException(Server.ErrorCodes.RequestInvalid, "The Idempotency-Key header is longer than 200 characters.");
                var outcome = await handler.HandleAsync(request, http.Caller(), key.Length == 0 ? null : key, http.RequestAborted);
                if (outcome.Replayed)
                {
                    http.Response.Headers["Idempotent-Replayed"] = "true";
                    http.SetAuditDetail(MedicationCheck.AuditDetail(MedicationCheck.ConsentOf(request.Consent), outcome.Response.DuplicateMedication.Count));
                }
                else http.AuditedByUseCase(); // in the registration's transaction
                return TypedResults.Created($"/v1/prescriptions/{outcome.Response.PrescriptionId}", outcome.Response);
            })
            .RequireRole(ClientRole.Clinic)
            .WithMetadata(new AuditAction(AuditActions.Register))
            .Accepts<Register.Request>("application/json")
            .Produces<Register.Response>(StatusCodes.Status201Created)
            .WithName("RegisterPrescription")
            .WithSummary("Register a signed JAHIS prescription and get its prescription ID, exchange code and the duplicate-medication check (重複投薬チェック)");

        prescriptions.MapGet("/{id}", (string id, HttpContext http, GetStatus.Handler handler) =>
                handler.HandleAsync(id, http.Caller(), http.RequestAborted))
            .RequireRole(ClientRole.Clinic, ClientRole.Pharmacy)
            .WithMetadata(new AuditAction(AuditActions.Read))
            .WithName("GetPrescription")
            .WithSummary("Status, holder and history of a prescription (issuing clinic or holding pharmacy)");

        prescriptions.MapGet("/{id}/slip", async (string id, HttpContext http, GetSlip.Handler handler) =>
                TypedResults.Content(await handler.HandleAsync(id, http.Caller(), http.RequestAborted), "text/html; charset=utf-8"))
            .RequireRole(ClientRole.Clinic)
            .WithMetadata(new AuditAction(AuditActions.Slip))
            .Produces<string>(StatusCodes.Status200OK, "text/html")
            .WithName("GetExchangeSlip")
            .WithSummary("The exchange slip (電子処方せん引換証) as printable HTML, A5 portrait, with the QR code (issuing clinic only)");

        prescriptions.MapPost("/{id}/cancel", async (string id, HttpContext http, Cancel.Handler handler) =>
            {
                var cancelled = await handler.HandleAsync(id, http.Caller(), http.RequestAborted);
                http.AuditedByUseCase(); // in the cancellation's transaction
                return cancelled;
            })
            .RequireRole(ClientRole.Clinic)
            .WithMetadata(new AuditAction(AuditActions.Cancel))
            .WithName("CancelPrescription")
            .WithSummary("Cancel a prescription no pharmacy has received (issuing clinic only)");
    }
}
