namespace EPrescription.Server.Clients;

/// <summary>
/// A system that calls the API with its own key: a clinic or pharmacy (with its institution code), a notebook app (with an
/// optional webhook for pushed records) or the operator. The key itself is never kept; <see cref="KeyHint"/> lets an operator
/// recognise it.
/// </summary>
public sealed record Client(
    string Id,
    string Name,
    ClientRole Role,
    InstitutionCode? InstitutionCode,
    Uri? WebhookUrl,
    string? WebhookSecret,
    string KeyHint,
    DateTime CreatedAt,
    DateTime? RevokedAt)
{
    public bool IsRevoked => RevokedAt is not null;
}

/// <summary>What an operator gives to add a client; <see cref="ClientStore.AddAsync"/> validates it.</summary>
public sealed record NewClient(string Name, ClientRole Role, string? InstitutionCode, string? WebhookUrl);
