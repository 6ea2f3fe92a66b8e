using EPrescription.Server;
using EPrescription.Server.Clients;

namespace EPrescription.Api.Infrastructure;

/// <summary>The client a request was authenticated as, kept on the HttpContext for the endpoint and the audit log.</summary>
public sealed record AuthenticatedClient(Client Client, Guid CorrelationId)
{
    public Caller ToCaller() => new(Client.Id, Client.Role, Client.Name, Client.InstitutionCode?.Value, CorrelationId);
}

/// <summary>Endpoint metadata: the roles an endpoint admits.</summary>
public sealed record RequiresRole(IReadOnlyList<ClientRole> Roles);

/// <summary>
/// Every /v1 request carries <c>Authorization: Bearer &lt;api key&gt;</c>. Unknown, revoked or missing keys get 401
/// UNAUTHENTICATED; a client whose role the endpoint does not admit gets 403 FORBIDDEN.
/// </summary>
public sealed class ClientAuthentication(ClientStore clients) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
            throw new DomainException(ErrorCodes.Unauthenticated, "Send your API key as 'Authorization: Bearer <api key>'.");

        var client = RateLimits.AuthenticatedEarlier(http) ?? await clients.AuthenticateAsync(header[7..].Trim(), http.RequestAborted)
            ?? throw new DomainException(ErrorCodes.Unauthenticated, "The API key is unknown or has been revoked.");

        var authenticated = new AuthenticatedClient(client, Correlation.Of(http));
        http.Items[typeof(AuthenticatedClient)] = authenticated;

        var required = http.GetEndpoint()?.Metadata.GetMetadata<RequiresRole>();
        if (required is not null && !required.Roles.Contains(client.Role))
        {
            throw new DomainException(ErrorCodes.Forbidden,
                $"This endpoint is for {string.Join(" or ", required.Roles.Select(r => r.Name()))} clients; your key belongs to a {client.Role.Name()} client.");
        }
        return await next(context);
    }
}

public static class HttpContextClientExtensions
{
    public static AuthenticatedClient? Client(this HttpContext context) =>
        context.Items.TryGetValue(typeof(AuthenticatedClient), out var value) ? (AuthenticatedClient?)value : null;

    public static Caller Caller(this HttpContext context) =>
        context.Client()?.ToCaller() ?? throw new InvalidOperationException("The endpoint runs without ClientAuthentication.");

    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, params ClientRole[] roles) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiresRole(roles));
}

/// <summary>The correlation id that follows a request into logs, audit entries and bus messages.</summary>
public static class Correlation
{
    public const string Header = "X-Correlation-Id";

    public static Guid Of(HttpContext context)
    {
        if (context.Items.TryGetValue(Header, out var existing) && existing is Guid known) return known;
        var id = Guid.TryParse(context.Request.Headers[Header], out var given) ? given : Guid.NewGuid();
        context.Items[Header] = id;
        context.Response.Headers[Header] = id.ToString();
        return id;
    }
}
