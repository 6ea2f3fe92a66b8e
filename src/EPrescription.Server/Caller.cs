namespace EPrescription.Server;

/// <summary>The authenticated client a request comes from, as the use cases need it.</summary>
/// <param name="Role">"clinic", "pharmacy", "notebook-app" or "admin".</param>
public sealed record Caller(string ClientId, string Role, string Name, string? InstitutionCode, Guid CorrelationId);
