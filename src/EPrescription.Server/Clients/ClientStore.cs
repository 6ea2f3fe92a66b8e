using System.Data.Common;
using Dapper;
using EPrescription.Server.Storage;

namespace EPrescription.Server.Clients;

/// <summary>
/// The clients of the service and their API keys. Authentication reads the database unless the same key was found there
/// less than <c>keyCacheLifetime</c> ago (zero, the default: every time). A key revoked through this store stops working at
/// once; one revoked by another process (<c>eprx clients revoke</c>, another node) within that lifetime.
/// </summary>
public sealed class ClientStore(Database database, TimeProvider time, TimeSpan keyCacheLifetime = default)
{
    /// <summary>The API's default for <c>Authentication:KeyCacheLifetime</c>.</summary>
    public static readonly TimeSpan DefaultKeyCacheLifetime = TimeSpan.FromSeconds(5);

    private readonly KeyCache _keys = new(time, keyCacheLifetime);

    private const string Columns =
        "id AS Id, name AS Name, role AS Role, institution_code AS InstitutionCode, webhook_url AS WebhookUrl, " +
        "webhook_secret AS WebhookSecret, key_hint AS KeyHint, created_at AS CreatedAt, revoked_at AS RevokedAt";

    /// <summary>Adds a client with a new key. The key is returned here only: what is stored cannot give it back.</summary>
    /// <exception cref="DomainException"><see cref="ErrorCodes.RequestInvalid"/> when the request is not a valid client.</exception>
    public async Task<(Client Client, string ApiKey)> AddAsync(NewClient request, CancellationToken ct = default)
    {
        var key = ApiKey.New();
        var client = Validate(ApiKey.NewClientId(), request, key);
        await using var connection = await database.OpenAsync(ct);
        await InsertAsync(connection, client, key, ct);
        return (client, key);
    }

    /// <summary>
    /// Adds a client with a key chosen by the caller unless a client with that id exists; true when it was added. For the
    /// development clients only, whose keys are well known (<see cref="DevClients"/>).
    /// </summary>
    internal async Task<bool> AddWithKeyAsync(string id, NewClient request, string apiKey, CancellationToken ct = default)
    {
        var client = Validate(id, request, apiKey);
        await using var connection = await database.OpenAsync(ct);
        if (await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                "SELECT COUNT(*) FROM clients WHERE id = @id", new { id }, cancellationToken: ct)) > 0)
            return false;
        try
        {
            await InsertAsync(connection, client, apiKey, ct);
            return true;
        }
        catch (DbException e) when (database.Dialect.IsUniqueViolation(e))
        {
            // Another process seeding at the same moment inserted it first.
            return false;
        }
    }

    /// <summary>The client a key belongs to, or null when the key is unknown or revoked.</summary>
    public async Task<Client?> AuthenticateAsync(string apiKey, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(apiKey) || !apiKey.StartsWith(ApiKey.Prefix, StringComparison.Ordinal)) return null;
        var hash = ApiKey.Hash(apiKey);
        if (_keys.Find(hash) is { } cached) return cached;
        var revocations = _keys.Revocations;
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM clients WHERE key_hash = @hash AND revoked_at IS NULL",
            new { hash }, cancellationToken: ct));
        var client = row?.ToClient();
        if (client is not null) _keys.Add(hash, client, revocations);
        return client;
    }

    /// <summary>Every client, revoked ones included, oldest first.</summary>
    public async Task<IReadOnlyList<Client>> ListAsync(CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM clients ORDER BY created_at, id", cancellationToken: ct));
        return rows.Select(r => r.ToClient()).ToList();
    }

    public async Task<Client?> FindAsync(string id, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM clients WHERE id = @id", new { id = id.Trim() }, cancellationToken: ct));
        return row?.ToClient();
    }

    /// <summary>Revokes a client's key from now on; false when there is no such client or it is already revoked.</summary>
    public async Task<bool> RevokeAsync(string id, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE clients SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL",
            new { id = id.Trim(), now = Now() }, cancellationToken: ct));
        // Also when nothing changed: another process may have revoked it while this one still holds the key.
        _keys.Revoked(id.Trim());
        return changed == 1;
    }

    private Client Validate(string id, NewClient request, string apiKey)
    {
        var name = request.Name?.Trim() ?? "";
        if (name.Length == 0) Refuse("a client needs a name, e.g. the clinic's or pharmacy's name as patients know it.");
        if (!Enum.IsDefined(request.Role)) Refuse($"the role must be {ClientRoles.Choices}.");
        var role = request.Role.Name();

        InstitutionCode? institution = null;
        if (request.Role is ClientRole.Clinic or ClientRole.Pharmacy)
        {
            if (!InstitutionCode.TryParse(request.InstitutionCode, out var code, out var error)) Refuse($"a {role} client: {error}");
            if (request.Role == ClientRole.Clinic && !code.IsClinic)
                Refuse($"a clinic needs an institution code with 点数表 1 (medical) or 3 (dental); {code} has 点数表 {code.FeeSchedule.Describe()}.");
            if (request.Role == ClientRole.Pharmacy && !code.IsPharmacy)
                Refuse($"a pharmacy needs an institution code with 点数表 4 (pharmacy); {code} has 点数表 {code.FeeSchedule.Describe()}.");
            institution = code;
        }
        else if (!string.IsNullOrWhiteSpace(request.InstitutionCode))
        {
            Refuse($"{role} clients have no institution code: only clinics and pharmacies have one.");
        }

        Uri? webhook = null;
        string? secret = null;
        if (!string.IsNullOrWhiteSpace(request.WebhookUrl))
        {
            if (request.Role != ClientRole.NotebookApp) Refuse($"{role} clients have no webhook: only notebook-app clients have one.");
            if (!Uri.TryCreate(request.WebhookUrl.Trim(), UriKind.Absolute, out webhook) || webhook.Scheme is not ("http" or "https"))
                Refuse($"webhook URL '{request.WebhookUrl.Trim()}' is not an absolute http or https URL.");
            secret = ApiKey.NewWebhookSecret();
        }

        return new Client(id, name, request.Role, institution, webhook, secret, ApiKey.Hint(apiKey), Now(), RevokedAt: null);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Refuse(string detail) => throw new DomainException(ErrorCodes.RequestInvalid, char.ToUpperInvariant(detail[0]) + detail[1..]);

    /// <summary>Whole microseconds: the finest instant every one of the three databases keeps, so what is returned is what is read back.</summary>
    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % 10));
    }

    private static Task InsertAsync(DbConnection connection, Client client, string apiKey, CancellationToken ct) =>
        // The webhook secret is kept as it is: the server needs it to sign each delivery (HMAC), unlike the key, which it only checks.
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO clients (id, name, role, institution_code, webhook_url, webhook_secret, key_hash, key_hint, created_at)
            VALUES (@Id, @Name, @Role, @InstitutionCode, @WebhookUrl, @WebhookSecret, @KeyHash, @KeyHint, @CreatedAt)
            """,
            new
            {
                client.Id,
                client.Name,
                Role = client.Role.Name(),
                InstitutionCode = client.InstitutionCode?.Value,
                WebhookUrl = client.WebhookUrl?.AbsoluteUri,
                client.WebhookSecret,
                KeyHash = ApiKey.Hash(apiKey),
                client.KeyHint,
                client.CreatedAt,
            },
            cancellationToken: ct));

    private sealed class Row
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public string Role { get; init; } = "";
        public string? InstitutionCode { get; init; }
        public string? WebhookUrl { get; init; }
        public string? WebhookSecret { get; init; }
        public string KeyHint { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime? RevokedAt { get; init; }

        public Client ToClient() => new(
            Id,
            Name,
            ClientRoles.TryParse(Role, out var role) ? role : throw new InvalidDataException($"Client {Id} has an unknown role '{Role}'."),
            InstitutionCode is null ? null : Clients.InstitutionCode.Parse(InstitutionCode),
            WebhookUrl is null ? null : new Uri(WebhookUrl, UriKind.Absolute),
            WebhookSecret,
            KeyHint,
            CreatedAt,
            RevokedAt);
    }
}
