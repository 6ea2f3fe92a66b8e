using EPrescription.Api.Infrastructure;
using EPrescription.Server.Audit;
using EPrescription.Server.Clients;
using EPrescription.Server.Feedback;

namespace EPrescription.Api.Feedback;

/// <summary>Prescriber feedback (SPEC §11): what became of a clinic's prescriptions, per prescription and as one event feed.</summary>
public static class FeedbackEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/prescriptions/{id}/dispensings", (string id, HttpContext http, GetDispensings.Handler handler) =>
                handler.HandleAsync(id, http.Caller(), http.RequestAborted))
            .RequireRole(ClientRole.Clinic, ClientRole.Pharmacy)
            .WithMetadata(new AuditAction(AuditActions.Dispensings))
            .WithTags("Prescriber feedback")
            .WithName("GetDispensings")
            .WithSummary("Every dispensing of a prescription, parts included, with the pharmacist-signed document, substitutions, the important flag and the note to the prescriber (issuing clinic or holding pharmacy)");

        v1.MapGet("/clinic/events", async (string? after, string? limit, HttpContext http, ClinicFeed.Handler handler, AuditLog audit) =>
            {
                var caller = http.Caller();
                var page = await handler.HandleAsync(caller.ClientId, after, limit, http.RequestAborted);
                // A page reads many prescriptions: each gets its own audit entry (refusals are audited by the filter).
                await audit.WriteReadsAsync(caller, AuditActions.ClinicEvents, page.Events.Select(e => e.PrescriptionId).Distinct(), http.RequestAborted);
                http.AuditedByUseCase();
                return page;
            })
            .RequireRole(ClientRole.Clinic)
            .WithMetadata(new AuditAction(AuditActions.ClinicEvents))
            .WithTags("Prescriber feedback")
            .WithName("GetClinicEvents")
            .WithSummary("What became of this clinic's prescriptions (received, returned, dispensed, cancelled, expired) in commit order, paged by an opaque cursor");
    }
}
