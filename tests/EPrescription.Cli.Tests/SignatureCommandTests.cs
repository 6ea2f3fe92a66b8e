using System.Diagnostics;

namespace EPrescription.Cli.Tests;

/// <summary>`eprx dev-certs`, `eprx sign` and `eprx verify` as a vendor runs them, with openssl as the independent check.</summary>
public class SignatureCommandTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("eprx-sign-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task Should_generate_a_pki_sign_with_it_and_verify_with_eprx_and_openssl()
    {
        var pki = Path.Combine(_folder, "pki");
        var document = Path.Combine(_folder, "rx.txt");
        File.Copy(Eprx.Sample("rx_jahis10_01_basic.txt"), document);

        var generated = await Eprx.RunAsync("dev-certs", "--out", pki);
        var signed = await Eprx.RunAsync("sign", "--key", Path.Combine(pki, "signers", "doctor.p12"), "--detached", document);
        var verified = await Eprx.RunAsync("verify", "--trust", Path.Combine(pki, "trust"), document, document + ".p7s");
        var openssl = await RunAsync("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", document + ".p7s", "-content", document,
            "-CAfile", Path.Combine(pki, "trust", "root-ca.crt.pem"), "-purpose", "any", "-out", "/dev/null");

        Assert.Multiple(() =>
        {
            Assert.That(generated.ExitCode, Is.EqualTo(0), generated.Stderr);
            Assert.That(File.Exists(Path.Combine(pki, "signers", "pharmacist.p12")), Is.True);
            Assert.That(signed.ExitCode, Is.EqualTo(0), signed.Stderr);
            Assert.That(verified.ExitCode, Is.EqualTo(0), verified.Stdout + verified.Stderr);
            Assert.That(verified.Stdout, Does.Contain("見本 一郎"));
            Assert.That(openssl.ExitCode, Is.EqualTo(0), openssl.Stderr);
        });
    }

    [Test]
    public async Task Should_report_a_tampered_document_and_an_unqualified_signer_with_exit_1()
    {
        var document = Path.Combine(_folder, "rx.txt");
        File.Copy(Eprx.Sample("rx_jahis10_01_basic.txt"), document);
        var keys = Path.Combine(Eprx.RepositoryRoot, "certs-dev", "signers");
        var trust = Path.Combine(Eprx.RepositoryRoot, "certs-dev", "trust");

        await Eprx.RunAsync("sign", "--key", Path.Combine(keys, "doctor.p12"), "--detached", document);
        var signature = document + ".p7s";
        var bytes = File.ReadAllBytes(document);
        bytes[^3] ^= 0x01;
        var tampered = Path.Combine(_folder, "tampered.txt");
        File.WriteAllBytes(tampered, bytes);
        var tamperedResult = await Eprx.RunAsync("verify", "--trust", trust, tampered, signature);

        await Eprx.RunAsync("sign", "--key", Path.Combine(keys, "pharmacist.p12"), "--out", Path.Combine(_folder, "by-pharmacist.p7s"), "--detached", document);
        var pharmacist = await Eprx.RunAsync("verify", "--trust", trust, "--role", "prescriber", document, Path.Combine(_folder, "by-pharmacist.p7s"));

        Assert.Multiple(() =>
        {
            Assert.That(tamperedResult.ExitCode, Is.EqualTo(1), tamperedResult.Stdout);
            Assert.That(tamperedResult.Stdout, Does.Contain("SIGNATURE_INVALID"));
            Assert.That(pharmacist.ExitCode, Is.EqualTo(1), pharmacist.Stdout);
            Assert.That(pharmacist.Stdout, Does.Contain("SIGNER_NOT_QUALIFIED"));
        });
    }

    private static async Task<Eprx.Result> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new Eprx.Result(process.ExitCode, await stdout, await stderr);
    }
}
