using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EPrescription.Server.Storage;

namespace EPrescription.Api.Tests.Operations;

/// <summary>
/// HTTPS as the README configures it: Kestrel's default certificate from a PEM pair or a PFX file, made here for the test.
/// The client trusts exactly that certificate, so a 200 proves the service served TLS with it.
/// </summary>
public sealed class HttpsTests
{
    private DirectoryInfo _folder = null!;
    private X509Certificate2 _certificate = null!;

    [OneTimeSetUp]
    public void MakeACertificate()
    {
        _folder = Directory.CreateTempSubdirectory("eprx-https-");
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=eprescription.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(Path.Combine(_folder.FullName, "tls.crt"), _certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_folder.FullName, "tls.key"), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllBytes(Path.Combine(_folder.FullName, "tls.pfx"), _certificate.Export(X509ContentType.Pfx, "pfx-password"));
    }

    [OneTimeTearDown]
    public void RemoveIt()
    {
        _certificate.Dispose();
        _folder.Delete(recursive: true);
    }

    [TestCase("pem")]
    [TestCase("pfx")]
    public async Task Should_serve_https_with_the_configured_certificate(string form)
    {
        string[] certificate = form == "pem"
            ? [$"--Kestrel:Certificates:Default:Path={Path.Combine(_folder.FullName, "tls.crt")}", $"--Kestrel:Certificates:Default:KeyPath={Path.Combine(_folder.FullName, "tls.key")}"]
            : [$"--Kestrel:Certificates:Default:Path={Path.Combine(_folder.FullName, "tls.pfx")}", "--Kestrel:Certificates:Default:Password=pfx-password"];
        await using var service = await ApiFixture.StartInstanceAsync(DatabaseProvider.Sqlite, "_https", reset: false,
            ["--urls=http://127.0.0.1:0;https://127.0.0.1:0", .. certificate]);
        var https = service.App.Urls.Single(u => u.StartsWith("https://", StringComparison.Ordinal));

        X509Certificate2? presented = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, served, _, _) =>
            {
                presented = served is null ? null : X509CertificateLoader.LoadCertificate(served.RawData);
                return served?.Thumbprint == _certificate.Thumbprint;
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(https) };
        using var response = await client.GetAsync("/health/live");

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.RequestMessage!.RequestUri!.Scheme, Is.EqualTo("https"));
            Assert.That(presented?.Subject, Is.EqualTo("CN=eprescription.test"));
        });
        presented?.Dispose();
    }

    [Test]
    public void Should_refuse_to_start_on_https_without_a_certificate_and_say_what_to_set()
    {
        var refusal = Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await ApiFixture.StartInstanceAsync(DatabaseProvider.Sqlite, "_https", reset: false, ["--urls=https://127.0.0.1:0"]));

        Assert.That(refusal?.Message, Does.Contain("https://127.0.0.1:0").And.Contain("Kestrel__Certificates__Default__Path"));
    }
}
