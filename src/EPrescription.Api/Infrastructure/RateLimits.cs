using System.Globalization;
using System.Threading.RateLimiting;
using EPrescription.Server.Clients;
using Microsoft.AspNetCore.RateLimiting;

namespace EPrescription.Api.Infrastructure;

/// <summary>One role's limit: a token bucket per client, refilled at <see cref="PermitsPerSecond"/>, holding <see cref="Burst"/>.</summary>
public sealed class RateLimit
{
    public double PermitsPerSecond { get; set; }

    /// <summary>Requests a client may send at once after a quiet spell (the bucket's size).</summary>
    public int Burst { get; set; }
}

/// <summary>
/// Configuration section "RateLimits": one limit per role, e.g. RateLimits__Clinic__PermitsPerSecond=200 and
/// RateLimits__Clinic__Burst=400; "Anonymous" applies per remote address to requests without a known API key. The defaults are
/// a safety net that a clinic system's bursts and the load generator never reach.
/// </summary>
public sealed class RateLimitOptions
{
    public RateLimit Clinic { get; set; } = new() { PermitsPerSecond = 1000, Burst = 2000 };
    public RateLimit Pharmacy { get; set; } = new() { PermitsPerSecond = 1000, Burst = 2000 };
    public RateLimit NotebookApp { get; set; } = new() { PermitsPerSecond = 1000, Burst = 2000 };
    public RateLimit Admin { get; set; } = new() { PermitsPerSecond = 50, Burst = 100 };
    public RateLimit Anonymous { get; set; } = new() { PermitsPerSecond = 100, Burst = 200 };

    public RateLimit For(ClientRole? role) => role switch
    {
        ClientRole.Clinic => Clinic,
        ClientRole.Pharmacy => Pharmacy,
        ClientRole.NotebookApp => NotebookApp,
        ClientRole.Admin => Admin,
        _ => Anonymous,
    };
}

/// <summary>
/// Per-client rate limits with ASP.NET Core's rate limiter (SPEC §12): the /v1 endpoints share one policy partitioned by the
/// authenticated client, each partition a token bucket sized by the client's role. A client over its limit gets 429
/// RATE_LIMITED with Retry-After; other clients are not affected. Health, metrics, the OpenAPI document and /docs are not limited.
/// The client is looked up once, before the limiter, and <see cref="ClientAuthentication"/> uses that answer.
/// </summary>
public static class RateLimits
{
    public const string Code = Server.ErrorCodes.RateLimited;
    public const string Policy = "per-client";

    public static void Add(WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("RateLimits").Get<RateLimitOptions>() ?? new RateLimitOptions();
        // One bucket factory per role, made once: choosing a partition allocates nothing per request.
        var buckets = new[] { ClientRole.Clinic, ClientRole.Pharmacy, ClientRole.NotebookApp, ClientRole.Admin }
            .ToDictionary(role => role, role => Factory(options.For(role)));
        var anonymous = Factory(options.Anonymous);
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Policy, http =>
            {
                // Partitions live in memory only; idle ones (clients gone quiet, addresses) are dropped by the limiter.
                if (AuthenticatedEarlier(http) is { } client) return RateLimitPartition.GetTokenBucketLimiter(client.Id, buckets[client.Role]);
                return RateLimitPartition.GetTokenBucketLimiter("address:" + http.Connection.RemoteIpAddress, anonymous);
            });
            limiter.OnRejected = async (context, _) =>
            {
                var http = context.HttpContext;
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var client = AuthenticatedEarlier(http);
                var limit = options.For(client?.Role);
                var who = client is null ? "Requests from this address without a known API key" : $"This {client.Role.Name()} client";
                await Problems.WriteAsync(http, Code,
                    $"{who} sent more than {limit.PermitsPerSecond.ToString(CultureInfo.InvariantCulture)} requests per second " +
                    $"(bursts of {limit.Burst}). Retry after {seconds} s.");
            };
        });
    }

    /// <summary>Looks the client up for the limiter and applies the limits; before the endpoints, after routing.</summary>
    public static void Use(WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments("/v1") && BearerKey(http) is { } key)
            {
                try
                {
                    if (await http.RequestServices.GetRequiredService<ClientStore>().AuthenticateAsync(key, http.RequestAborted) is { } client)
                        http.Items[typeof(RateLimits)] = client;
                }
                catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
                {
                    // The database is not answering: ClientAuthentication tries again and answers as it does for an outage.
                }
            }
            await next(http);
        });
        app.UseRateLimiter();
    }

    /// <summary>The client the key of this request belongs to, when the lookup before the limiter found one.</summary>
    public static Client? AuthenticatedEarlier(HttpContext http) =>
        http.Items.TryGetValue(typeof(RateLimits), out var client) ? client as Client : null;

    private static string? BearerKey(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    private static Func<string, TokenBucketRateLimiterOptions> Factory(RateLimit limit)
    {
        var bucket = Bucket(limit);
        return _ => bucket;
    }

    /// <summary>
    /// The bucket refills in steps of at most a tenth of a second, so a client at its limit is served evenly rather than in
    /// one-second waves; below ten permits a second, one permit per step.
    /// </summary>
    private static TokenBucketRateLimiterOptions Bucket(RateLimit limit)
    {
        var permits = Math.Max(limit.PermitsPerSecond, 0.001);
        var period = TimeSpan.FromSeconds(Math.Max(0.1, 1 / permits));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, limit.Burst),
            TokensPerPeriod = (int)Math.Max(1, Math.Round(permits * period.TotalSeconds)),
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }
}
