using EPrescription.Api.Infrastructure;
using EPrescription.NotebookSync.Links;
using EPrescription.NotebookSync.Records;
using EPrescription.Server.Clients;

namespace EPrescription.Api.Notebook;

/// <summary>/v1/notebook: e-medication-notebook apps (電子版お薬手帳) link patients and read their dispensing records.</summary>
public static class NotebookEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        var notebook = v1.MapGroup("/notebook").WithTags("Notebook apps");

        notebook.MapPost("/links", async (HttpContext http, LinkPatient.Handler handler) =>
            {
                var request = await RequestBody.ReadJsonAsync<LinkPatient.Request>(http.Request);
                // The audit entry names the prescription the patient presented.
                if (request.PrescriptionId is { } id) http.Request.RouteValues["id"] = id;
                var response = await handler.HandleAsync(request, http.Caller(), http.RequestAborted);
                return response.Created ? Results.Created($"/v1/notebook/links/{response.LinkId}", response) : Results.Ok(response);
            })
            .RequireRole(ClientRole.NotebookApp)
            .WithMetadata(new AuditAction("notebook.link"))
            .Accepts<LinkPatient.Request>("application/json")
            .Produces<LinkPatient.Response>(StatusCodes.Status201Created)
            .Produces<LinkPatient.Response>(StatusCodes.Status200OK)
            .WithName("LinkPatient")
            .WithSummary("Link the patient of a prescription (ID and exchange code from the slip) to this notebook app");

        notebook.MapGet("/records", (string? after, string? limit, HttpContext http, Feed.Handler handler) =>
                handler.HandleAsync(http.Caller().ClientId, after, limit, http.RequestAborted))
            .RequireRole(ClientRole.NotebookApp)
            .WithName("GetNotebookRecords")
            .WithSummary("This app's dispensing records in order, with stable ids and JAHIS notebook documents, paged by an opaque cursor");
    }
}
