namespace EPrescription.Api.Infrastructure;

/// <summary>
/// The API reference for people at /docs: Swagger UI rendering the served OpenAPI document (/openapi/v1.json). Its scripts and
/// styles are served from this process (embedded in Swashbuckle.AspNetCore.SwaggerUI), so the page works with no internet
/// access; the online spec validator is off, so it calls no outside host.
/// </summary>
public static class ApiReference
{
    public const string Path = "/docs";

    public static void Use(WebApplication app) =>
        app.UseSwaggerUI(ui =>
        {
            ui.RoutePrefix = Path.TrimStart('/');
            ui.DocumentTitle = "EPrescription API reference";
            // Relative to /docs/index.html, so the page also works behind a proxy that mounts the service under a path.
            ui.SwaggerEndpoint("../openapi/v1.json", "EPrescription API v1");
            ui.DisplayOperationId();
            ui.ConfigObject.ValidatorUrl = null;
        });
}
