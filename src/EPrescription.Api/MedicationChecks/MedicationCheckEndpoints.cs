using EPrescription.Api.Infrastructure;
using EPrescription.Server.Audit;
using EPrescription.Server.Clients;
using EPrescription.Server.MedicationChecks;

namespace EPrescription.Api.MedicationChecks;

/// <summary>POST /v1/medication-checks: the duplicate-medication check (重複投薬チェック) on demand, for clinics and pharmacies.</summary>
public static class MedicationCheckEndpoints
{
    public static void Map(RouteGroupBuilder v1) =>
        v1.MapPost("/medication-checks", async (HttpContext http, MedicationCheck.Handler handler) =>
            {
                var request = await RequestBody.ReadJsonAsync<MedicationCheck.Request>(http.Request);
                // The audit entry names the held prescription a pharmacy checks, and says with which consent, refusals included.
                if (request.PrescriptionId is { } id) http.Request.RouteValues["id"] = id;
                var consent = MedicationCheck.ConsentOf(request.Consent);
                http.SetAuditDetail(MedicationCheck.AuditDetail(consent, null));
                var response = await handler.HandleAsync(request, consent, http.Caller(), http.RequestAborted);
                http.SetAuditDetail(MedicationCheck.AuditDetail(consent, response.DuplicateMedication.Count));
                return TypedResults.Ok(response);
            })
            .RequireRole(ClientRole.Clinic, ClientRole.Pharmacy)
            .WithMetadata(new AuditAction(AuditActions.MedicationCheck))
            .WithTags("Medication checks")
            .Accepts<MedicationCheck.Request>("application/json")
            .WithName("CheckMedication")
            .WithSummary("Duplicate-medication check (重複投薬チェック): a clinic's prescription document before registering it, or a held prescription " +
                         "(and the dispensing document about to be sent) for a pharmacy; changes nothing");
}
