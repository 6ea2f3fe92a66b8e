using System.Security.Cryptography;
using System.Text;
using Dapper;
using EPrescription.Server.Clients;
using EPrescription.Server.Storage;

namespace EPrescription.Server.Tests.Clients;

public class ClientStoreTests
{
    public static IEnumerable<DatabaseProvider> Providers => TestDatabases.All;

    private static readonly DateTime Now = new(2025, 6, 10, 1, 2, 3, DateTimeKind.Utc);

    private static async Task<ClientStore> StoreAsync(DatabaseProvider provider) =>
        new(await TestDatabases.FreshAsync(provider), new FixedTime(Now));

    [TestCaseSource(nameof(Providers))]
    public async Task Should_authenticate_a_new_key_until_it_is_revoked(DatabaseProvider provider)
    {
        var store = await StoreAsync(provider);

        var (client, key) = await store.AddAsync(new NewClient(" みほん薬局 本町店 ", ClientRole.Pharmacy, "1341234567", null));
        var authenticated = await store.AuthenticateAsync(key);
        var revoked = await store.RevokeAsync(client.Id);
        var afterRevoke = await store.AuthenticateAsync(key);
        var revokedAgain = await store.RevokeAsync(client.Id);
        var found = await store.FindAsync(client.Id);

        Assert.Multiple(() =>
        {
            Assert.That(client.Id, Does.Match("^cl_[a-z2-7]{12}$"));
            Assert.That(key, Does.Match("^eprx_[A-Za-z0-9_-]{43}$"));
            Assert.That(client.KeyHint, Is.EqualTo(key[..10]));
            Assert.That(client.Name, Is.EqualTo("みほん薬局 本町店"));
            Assert.That(client.CreatedAt, Is.EqualTo(Now));
            Assert.That(authenticated, Is.EqualTo(client));
            Assert.That(authenticated!.InstitutionCode?.FeeSchedule, Is.EqualTo(FeeSchedule.Pharmacy));
            Assert.That(revoked, Is.True);
            Assert.That(afterRevoke, Is.Null);
            Assert.That(revokedAgain, Is.False);
            Assert.That(found!.RevokedAt, Is.EqualTo(Now));
            Assert.That(found.RevokedAt!.Value.Kind, Is.EqualTo(DateTimeKind.Utc));
        });
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_not_authenticate_unknown_or_malformed_keys_nor_revoke_unknown_clients(DatabaseProvider provider)
    {
        var store = await StoreAsync(provider);
        var (_, key) = await store.AddAsync(new NewClient("Operator", ClientRole.Admin, null, null));

        Assert.Multiple(async () =>
        {
            Assert.That(await store.AuthenticateAsync(key[..^1] + (key[^1] == 'A' ? 'B' : 'A')), Is.Null);
            Assert.That(await store.AuthenticateAsync(""), Is.Null);
            Assert.That(await store.AuthenticateAsync(key.ToUpperInvariant()), Is.Null);
            Assert.That(await store.RevokeAsync("cl_nosuchclient"), Is.False);
            Assert.That(await store.FindAsync("cl_nosuchclient"), Is.Null);
        });
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_store_only_a_hash_and_a_hint_of_the_key(DatabaseProvider provider)
    {
        var database = await TestDatabases.FreshAsync(provider);
        var store = new ClientStore(database, new FixedTime(Now));

        var (client, key) = await store.AddAsync(new NewClient("医療法人見本会 みほんクリニック", ClientRole.Clinic, "1311234567", null));
        await using var connection = await database.OpenAsync();
        var row = (IDictionary<string, object?>)await connection.QuerySingleAsync("SELECT * FROM clients WHERE id = @id", new { id = client.Id });
        var texts = row.Values.Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToList();

        Assert.Multiple(() =>
        {
            Assert.That(texts, Has.None.Contains(key[10..]), "no column holds the secret part of the key");
            Assert.That(row["key_hash"], Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))));
            Assert.That(row["key_hint"], Is.EqualTo(key[..10]));
            Assert.That(row["role"], Is.EqualTo("clinic"));
            Assert.That(row["institution_code"], Is.EqualTo("1311234567"));
        });
    }

    [TestCase(ClientRole.Clinic, "131123456", "is not 10 digits")]
    [TestCase(ClientRole.Clinic, "13112345678", "is not 10 digits")]
    [TestCase(ClientRole.Clinic, "13112345a7", "is not 10 digits")]
    [TestCase(ClientRole.Clinic, null, "institution code is missing")]
    [TestCase(ClientRole.Pharmacy, "4841234567", "prefecture 48: prefectures are 01 to 47")]
    [TestCase(ClientRole.Clinic, "0011234567", "prefecture 00")]
    [TestCase(ClientRole.Clinic, "1321234567", "点数表 2: it must be 1 (medical), 3 (dental) or 4 (pharmacy)")]
    [TestCase(ClientRole.Pharmacy, "1311234567", "a pharmacy needs an institution code with 点数表 4 (pharmacy); 1311234567 has 点数表 1 (medical)")]
    [TestCase(ClientRole.Clinic, "1341234567", "a clinic needs an institution code with 点数表 1 (medical) or 3 (dental); 1341234567 has 点数表 4 (pharmacy)")]
    [TestCase(ClientRole.NotebookApp, "1311234567", "notebook-app clients have no institution code")]
    [TestCase(ClientRole.Admin, "1311234567", "admin clients have no institution code")]
    public async Task Should_refuse_a_clinic_or_pharmacy_without_the_right_institution_code(ClientRole role, string? code, string message)
    {
        var store = await StoreAsync(DatabaseProvider.Sqlite);

        var refusal = Assert.ThrowsAsync<DomainException>(() => store.AddAsync(new NewClient("Somebody", role, code, null)));

        Assert.Multiple(async () =>
        {
            Assert.That(refusal!.Code, Is.EqualTo(ErrorCodes.RequestInvalid));
            Assert.That(refusal.Detail, Does.Contain(message).IgnoreCase);
            Assert.That(await store.ListAsync(), Is.Empty);
        });
    }

    [TestCase(ClientRole.NotebookApp, "ftp://apps.example/hook", "is not an absolute http or https URL")]
    [TestCase(ClientRole.NotebookApp, "/hook", "is not an absolute http or https URL")]
    [TestCase(ClientRole.Clinic, "https://clinic.example/hook", "only notebook-app clients have one")]
    [TestCase(ClientRole.Admin, "https://ops.example/hook", "only notebook-app clients have one")]
    public async Task Should_refuse_a_webhook_that_is_not_a_notebook_apps_http_url(ClientRole role, string url, string message)
    {
        var store = await StoreAsync(DatabaseProvider.Sqlite);
        var code = role == ClientRole.Clinic ? "1311234567" : null;

        var refusal = Assert.ThrowsAsync<DomainException>(() => store.AddAsync(new NewClient("Somebody", role, code, url)));

        Assert.That(refusal!.Detail, Does.Contain(message));
    }

    [Test]
    public async Task Should_refuse_a_client_without_a_name()
    {
        var store = await StoreAsync(DatabaseProvider.Sqlite);

        var refusal = Assert.ThrowsAsync<DomainException>(() => store.AddAsync(new NewClient("  ", ClientRole.Admin, null, null)));

        Assert.That(refusal!.Detail, Does.Contain("needs a name"));
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_give_a_notebook_app_with_a_webhook_its_own_secret(DatabaseProvider provider)
    {
        var store = await StoreAsync(provider);

        var (withHook, key) = await store.AddAsync(new NewClient("Sample notebook app", ClientRole.NotebookApp, null, "https://notebook.example/eprx/records"));
        var (other, _) = await store.AddAsync(new NewClient("Other app", ClientRole.NotebookApp, null, "http://127.0.0.1:5081/hook"));
        var (withoutHook, _) = await store.AddAsync(new NewClient("Pull-only app", ClientRole.NotebookApp, null, null));
        var authenticated = await store.AuthenticateAsync(key);

        Assert.Multiple(() =>
        {
            Assert.That(withHook.WebhookUrl, Is.EqualTo(new Uri("https://notebook.example/eprx/records")));
            Assert.That(withHook.WebhookSecret, Does.Match("^whsec_[A-Za-z0-9_-]{43}$"));
            Assert.That(other.WebhookSecret, Is.Not.EqualTo(withHook.WebhookSecret));
            Assert.That(authenticated!.WebhookSecret, Is.EqualTo(withHook.WebhookSecret));
            Assert.That(authenticated.WebhookUrl, Is.EqualTo(withHook.WebhookUrl));
            Assert.That(withoutHook.WebhookUrl, Is.Null);
            Assert.That(withoutHook.WebhookSecret, Is.Null);
        });
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_list_every_client_with_its_role_and_revocation(DatabaseProvider provider)
    {
        var store = await StoreAsync(provider);
        var (clinic, _) = await store.AddAsync(new NewClient("みほん歯科", ClientRole.Clinic, "1331234568", null));
        var (admin, _) = await store.AddAsync(new NewClient("Operator", ClientRole.Admin, null, null));
        await store.RevokeAsync(admin.Id);

        var listed = await store.ListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(listed.Select(c => c.Id), Is.EquivalentTo(new[] { clinic.Id, admin.Id }));
            Assert.That(listed.Single(c => c.Id == clinic.Id), Is.EqualTo(clinic));
            Assert.That(listed.Single(c => c.Id == admin.Id).IsRevoked, Is.True);
        });
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_seed_each_development_client_once_and_authenticate_its_published_key(DatabaseProvider provider)
    {
        var store = await StoreAsync(provider);

        var first = await DevClients.SeedAsync(store);
        var second = await DevClients.SeedAsync(store);
        var listed = await store.ListAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(first, Is.EqualTo(DevClients.All));
            Assert.That(second, Is.Empty);
            Assert.That(listed.Select(c => c.Id), Is.EquivalentTo(DevClients.All.Select(d => d.Id)));
            foreach (var dev in DevClients.All)
            {
                var client = await store.AuthenticateAsync(dev.ApiKey);
                Assert.That(client?.Id, Is.EqualTo(dev.Id), dev.ApiKey);
                Assert.That(client?.Role, Is.EqualTo(dev.Role));
                Assert.That(client?.InstitutionCode?.Value, Is.EqualTo(dev.InstitutionCode));
                Assert.That(client?.Name, Is.EqualTo(dev.Name));
            }
        });
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Should_leave_a_revoked_development_client_revoked_when_seeding_again(DatabaseProvider provider)
    {
        var store = await StoreAsync(provider);
        await DevClients.SeedAsync(store);
        await store.RevokeAsync(DevClients.Clinic.Id);

        var added = await DevClients.SeedAsync(store);

        Assert.Multiple(async () =>
        {
            Assert.That(added, Is.Empty);
            Assert.That(await store.AuthenticateAsync(DevClients.Clinic.ApiKey), Is.Null);
            Assert.That(await store.AuthenticateAsync(DevClients.Pharmacy.ApiKey), Is.Not.Null);
        });
    }

    [TestCase("1311234567", 13, FeeSchedule.Medical, "1234567")]
    [TestCase(" 0131234568 ", 1, FeeSchedule.Dental, "1234568")]
    [TestCase("4741234567", 47, FeeSchedule.Pharmacy, "1234567")]
    public void Should_read_prefecture_fee_schedule_and_code_of_an_institution_code(string text, int prefecture, FeeSchedule schedule, string code)
    {
        Assert.That(InstitutionCode.TryParse(text, out var parsed, out var error), Is.True, error);
        Assert.Multiple(() =>
        {
            Assert.That(parsed.Prefecture, Is.EqualTo(prefecture));
            Assert.That(parsed.FeeSchedule, Is.EqualTo(schedule));
            Assert.That(parsed.Code, Is.EqualTo(code));
            Assert.That(parsed.Value, Is.EqualTo(text.Trim()));
        });
    }

    private sealed class FixedTime(DateTime utc) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(utc);
    }
}
