using EPrescription.Api;
using EPrescription.Api.Infrastructure;

var app = ApiApplication.Build(args);
var devClients = await ApiApplication.PrepareAsync(app);
await app.StartAsync();

// The first thing a developer needs: where the service is and which keys to call it with.
var url = app.Urls.FirstOrDefault() ?? "http://127.0.0.1:5080";
if (Observability.JsonLogs(app.Configuration))
{
    // Every line on the console stays a JSON object, so a log shipper never meets a plain line.
    app.Logger.LogInformation("EPrescription is listening on {Url} (API reference at /docs, OpenAPI at /openapi/v1.json, metrics at /metrics)", url);
    foreach (var client in devClients)
        app.Logger.LogInformation("Development client (DEVELOPMENT ONLY key) {Role} {InstitutionCode} {Name}: Authorization: Bearer {ApiKey}", client.Role, client.InstitutionCode, client.Name, client.ApiKey);
}
else
{
    Console.WriteLine($"EPrescription is listening on {url}  (API reference: {url}/docs, OpenAPI: {url}/openapi/v1.json, metrics: {url}/metrics)");
    if (devClients.Count > 0)
    {
        Console.WriteLine("Development clients (DEVELOPMENT ONLY keys):");
        foreach (var client in devClients)
            Console.WriteLine($"  {client.Role,-13} {client.InstitutionCode,-10} {client.Name,-28} Authorization: Bearer {client.ApiKey}");
    }
}
await app.WaitForShutdownAsync();
