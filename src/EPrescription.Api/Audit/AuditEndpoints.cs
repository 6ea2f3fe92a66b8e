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
                // Something that cannot be a prescription ID has no entries to find; saying "none" would hide a typo.
                if (!PrescriptionId.TryParse(prescriptionId, out var parsed))
                {
                    throw new DomainException(ErrorCodes.RequestInvalid,
                        $"'{Clip(prescriptionId)}' is not a prescription ID (18 letters and digits, the last a check character, as in 7KQM4R-X9TB3H-PWC2DF).");
                }
                var id = parsed.ToString();
                var entries = await audit.ForPrescriptionAsync(id, http.RequestAborted);
                return TypedResults.Ok(new AuditTrail(id, entries));
            })
            .RequireRole(ClientRole.Admin)
            .WithTags("Operations")
            .WithName("GetAudit")
            .WithSummary("Who did what to a prescription, when, with what outcome (admin)");

    /// <summary>Enough of what was sent to recognise it, printable: control characters shown as '?'.</summary>
    private static string Clip(string value) =>
        new((value.Length > 40 ? value[..40] + "…" : value).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
