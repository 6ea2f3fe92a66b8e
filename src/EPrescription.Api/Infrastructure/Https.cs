namespace EPrescription.Api.Infrastructure;

/// <summary>
/// HTTPS is Kestrel's own configuration: an https URL in <c>urls</c> (or a Kestrel:Endpoints entry) and a certificate, PEM
/// (Kestrel__Certificates__Default__Path and __KeyPath) or PFX (__Path and __Password). This only makes a missing certificate
/// stop the start with the keys to set, instead of Kestrel looking for an ASP.NET development certificate.
/// </summary>
public static class Https
{
    public static void Check(IConfiguration configuration)
    {
        if (HasCertificate(configuration.GetSection("Kestrel:Certificates:Default"))) return;
        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var withoutCertificate = urls.Where(IsHttps).Select(url => $"urls: {url}")
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren()
                .Where(endpoint => IsHttps(endpoint["Url"]) && !HasCertificate(endpoint.GetSection("Certificate")))
                .Select(endpoint => $"Kestrel:Endpoints:{endpoint.Key}: {endpoint["Url"]}"))
            .ToList();
        if (withoutCertificate.Count == 0) return;
        throw new InvalidOperationException(
            $"HTTPS is configured ({string.Join("; ", withoutCertificate)}) but no certificate is: set Kestrel__Certificates__Default__Path " +
            "to a PEM certificate (with Kestrel__Certificates__Default__KeyPath for its private key) or to a PFX file (with " +
            "Kestrel__Certificates__Default__Password). The README's section HTTPS shows both.");
    }

    /// <summary>True when the service listens on HTTPS without an explicit endpoint list (the default address is then unused).</summary>
    public static bool HasEndpoints(IConfiguration configuration) => configuration.GetSection("Kestrel:Endpoints").Exists();

    private static bool IsHttps(string? url) => url?.StartsWith("https:", StringComparison.OrdinalIgnoreCase) == true;

    private static bool HasCertificate(IConfigurationSection certificate) =>
        !string.IsNullOrWhiteSpace(certificate["Path"]) || !string.IsNullOrWhiteSpace(certificate["Subject"]);
}
