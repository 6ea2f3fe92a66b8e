using EPrescription.Api.Infrastructure;
using EPrescription.Server;
using EPrescription.Server.Audit;
using EPrescription.Server.Clients;
using EPrescription.Server.Prescriptions;

namespace EPrescription.Api.Audit;

/// <summary>GET /v1/audit?prescriptionId=ID: the operator's view of who did what to a prescription.</summary>
public static class AuditEndpoints
{
    public sealed record AuditTrail(string PrescriptionId, IReadOnlyList<AuditEntry> Entries);

    public static void Map(RouteGroupBuilder v1) =>
        v1.MapGet("/audit", async (string? prescriptionId, AuditLog audit, HttpContext http) =>
            {
                if (string.IsNullOrWhiteSpace(prescriptionId))
                    throw new DomainException(ErrorCodes.RequestInvalid, "Name the prescription: /v1/audit?prescriptionId=ID.");
                var id = PrescriptionId.TryParse(prescriptionId, out var parsed) ? parsed.ToString() : prescriptionId;
                var entries = await audit.ForPrescriptionAsync(id, http.RequestAborted);
                return TypedResults.Ok(new AuditTrail(id, entries));
            })
            .RequireRole(ClientRole.Admin)
            .WithTags("Operations")
            .WithName("GetAudit")
            .WithSummary("Who did what to a prescription, when, with what outcome (admin)");
}
