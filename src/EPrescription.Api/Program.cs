using EPrescription.Api;

var app = ApiApplication.Build(args);
var devClients = await ApiApplication.PrepareAsync(app);
await app.StartAsync();

// The first thing a developer needs: where the service is and which keys to call it with.
var url = app.Urls.FirstOrDefault() ?? "http://127.0.0.1:5080";
Console.WriteLine($"EPrescription is listening on {url}  (OpenAPI: {url}/openapi/v1.json)");
if (devClients.Count > 0)
{
    Console.WriteLine("Development clients (DEVELOPMENT ONLY keys):");
    foreach (var client in devClients)
        Console.WriteLine($"  {client.Role,-13} {client.InstitutionCode,-10} {client.Name,-28} Authorization: Bearer {client.ApiKey}");
}
await app.WaitForShutdownAsync();
