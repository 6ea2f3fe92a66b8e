using EPrescription.Server.Clients;
using EPrescription.Server.Prescriptions;

namespace EPrescription.Server;

/// <summary>The authenticated client a request comes from, as the use cases need it.</summary>
public sealed record Caller(string ClientId, ClientRole Role, string Name, string? InstitutionCode, Guid CorrelationId)
{
    /// <summary>The caller as the lifecycle sees it.</summary>
    public Actor Actor => new(ClientId, Role, Name, InstitutionCode);
}
