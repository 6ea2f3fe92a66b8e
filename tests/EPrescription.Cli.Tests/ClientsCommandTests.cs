using System.Text.RegularExpressions;

namespace EPrescription.Cli.Tests;

public partial class ClientsCommandTests
{
    private string _folder = null!;
    private string[] _database = null!;

    [SetUp]
    public void CreateDatabaseFile()
    {
        _folder = Directory.CreateTempSubdirectory("eprx-clients-").FullName;
        _database = ["--provider", "sqlite", "--connection", $"Data Source={Path.Combine(_folder, "clients.db")}"];
    }

    [TearDown]
    public void RemoveFolder()
    {
        Directory.Delete(_folder, recursive: true);
    }

    private Task<Eprx.Result> Clients(params string[] args) => Eprx.RunAsync(["clients", .. args, .. _database]);

    [GeneratedRegex(@"client (cl_[a-z2-7]{12})")]
    private static partial Regex ClientId();

    [GeneratedRegex(@"^API key: (eprx_[A-Za-z0-9_-]{43})\s*$", RegexOptions.Multiline)]
    private static partial Regex ApiKey();

    [Test]
    public async Task Should_add_a_clinic_and_print_its_id_and_key_once()
    {
        var result = await Clients("add", "--role", "clinic", "--institution", "1311234567", "--name", "医療法人見本会 みほんクリニック");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr);
            Assert.That(result.Stdout, Does.Match(@"Added clinic client cl_[a-z2-7]{12}: 医療法人見本会 みほんクリニック \(institution 1311234567\)"));
            Assert.That(ApiKey().IsMatch(result.Stdout), Is.True, result.Stdout);
            Assert.That(result.Stdout, Does.Contain("will not be shown again"));
        });
    }

    [Test]
    public async Task Should_list_clients_with_role_institution_name_hint_and_revocation()
    {
        var added = await Clients("add", "--role", "pharmacy", "--institution", "1341234567", "--name", "みほん薬局 本町店");
        var key = ApiKey().Match(added.Stdout).Groups[1].Value;
        var id = ClientId().Match(added.Stdout).Groups[1].Value;
        await Clients("add", "--role", "notebook-app", "--name", "Sample notebook app", "--webhook-url", "https://notebook.example/hook");

        var result = await Clients("list");
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr);
            Assert.That(lines, Has.Length.EqualTo(3));
            Assert.That(lines[0], Does.Match("^ID +ROLE +INSTITUTION +NAME +KEY HINT +CREATED \\(UTC\\) +REVOKED \\(UTC\\)$"));
            Assert.That(lines[1], Does.Match($"^{id} +pharmacy +1341234567 +みほん薬局 本町店 +{Regex.Escape(key[..10])}… +\\d{{4}}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +-$"));
            Assert.That(lines[2], Does.Match("^cl_[a-z2-7]{12} +notebook-app +- +Sample notebook app +eprx_"));
            Assert.That(result.Stdout, Does.Not.Contain(key[10..]), "the list never shows a key");
        });
    }

    [Test]
    public async Task Should_revoke_a_client_once_and_show_when_in_the_list()
    {
        var added = await Clients("add", "--role", "admin", "--name", "Operator");
        var id = ClientId().Match(added.Stdout).Groups[1].Value;

        var revoked = await Clients("revoke", id);
        var again = await Clients("revoke", id);
        var unknown = await Clients("revoke", "cl_nosuchclient");
        var list = await Clients("list");

        Assert.Multiple(() =>
        {
            Assert.That(revoked.ExitCode, Is.EqualTo(0), revoked.Stderr);
            Assert.That(revoked.Stdout, Does.Contain($"Revoked {id}"));
            Assert.That(again.ExitCode, Is.EqualTo(1));
            Assert.That(again.Stderr, Does.Contain("already revoked"));
            Assert.That(unknown.ExitCode, Is.EqualTo(1));
            Assert.That(unknown.Stderr, Does.Contain("there is no client 'cl_nosuchclient'"));
            Assert.That(list.Stdout, Does.Match($@"{id} +admin +- +Operator +eprx_\S+… +[\d: -]+  +\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d"));
        });
    }

    [TestCase("clinic", "131123456", "is not 10 digits")]
    [TestCase("pharmacy", "4841234567", "prefecture 48")]
    [TestCase("pharmacy", "1311234567", "a pharmacy needs an institution code with 点数表 4 (pharmacy)")]
    [TestCase("admin", "1311234567", "admin clients have no institution code")]
    public async Task Should_refuse_an_invalid_institution_code_with_exit_1(string role, string code, string message)
    {
        var result = await Clients("add", "--role", role, "--institution", code, "--name", "Somebody");
        var list = await Clients("list");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.Stderr, Does.Contain("refused").And.Contain(message).IgnoreCase);
            Assert.That(result.Stdout, Does.Not.Contain("eprx_"));
            Assert.That(list.Stdout, Does.Contain("No clients yet"));
        });
    }

    [TestCase("add", "--role", "doctor", "--name", "x")]
    [TestCase("add", "--role", "clinic")]
    [TestCase("add", "--name", "x")]
    [TestCase("add", "--role", "admin", "--name", "x", "--colour", "blue")]
    [TestCase("revoke")]
    [TestCase("revoke", "cl_a", "cl_b")]
    [TestCase("list", "extra")]
    [TestCase("remove", "cl_a")]
    public async Task Should_exit_2_with_the_usage_for_a_wrong_command_line(params string[] args)
    {
        var result = await Clients(args);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.Stderr, Does.Contain("eprx clients:").And.Contain("usage: eprx clients add"));
        });
    }

    [Test]
    public async Task Should_exit_2_for_an_unknown_provider_or_a_server_database_without_a_connection_string()
    {
        var unknown = await Eprx.RunAsync("clients", "list", "--provider", "oracle");
        var noConnection = await Eprx.RunAsync(new Dictionary<string, string?> { ["Database__ConnectionString"] = null }, _folder,
            "clients", "list", "--provider", "postgresql");

        Assert.Multiple(() =>
        {
            Assert.That(unknown.ExitCode, Is.EqualTo(2));
            Assert.That(unknown.Stderr, Does.Contain("unknown database provider 'oracle'"));
            Assert.That(noConnection.ExitCode, Is.EqualTo(2));
            Assert.That(noConnection.Stderr, Does.Contain("needs --connection"));
        });
    }

    [Test]
    public async Task Should_use_the_servers_environment_variables_when_no_option_names_the_database()
    {
        var file = Path.Combine(_folder, "from-environment.db");
        var environment = new Dictionary<string, string?>
        {
            ["Database__Provider"] = "Sqlite",
            ["Database__ConnectionString"] = $"Data Source={file}",
        };

        var added = await Eprx.RunAsync(environment, _folder, "clients", "add", "--role", "admin", "--name", "Operator");
        var list = await Eprx.RunAsync(environment, _folder, "clients", "list");

        Assert.Multiple(() =>
        {
            Assert.That(added.ExitCode, Is.EqualTo(0), added.Stderr);
            Assert.That(File.Exists(file), Is.True);
            Assert.That(list.Stdout, Does.Contain("Operator"));
            Assert.That(Directory.Exists(Path.Combine(_folder, "data")), Is.False);
        });
    }

    [Test]
    public async Task Should_use_data_eprescription_db_under_the_current_directory_by_default()
    {
        var environment = new Dictionary<string, string?> { ["Database__Provider"] = null, ["Database__ConnectionString"] = null };

        var added = await Eprx.RunAsync(environment, _folder, "clients", "add", "--role", "admin", "--name", "Operator");

        Assert.Multiple(() =>
        {
            Assert.That(added.ExitCode, Is.EqualTo(0), added.Stderr);
            Assert.That(File.Exists(Path.Combine(_folder, "data", "eprescription.db")), Is.True);
        });
    }
}
