using System.Text.Json;
using EPrescription.Server;
using Microsoft.AspNetCore.Http.Features;

namespace EPrescription.Api.Infrastructure;

/// <summary>
/// Reads a JSON body with clear refusals: over the size limit (1 MiB) 413 PAYLOAD_TOO_LARGE, not JSON 415, malformed or of the
/// wrong shape 400 REQUEST_INVALID naming where. Endpoints read bodies through this instead of binding, so no framework
/// error page (or 500) can answer in their place.
/// </summary>
public static class RequestBody
{
    public const long MaxBytes = 1024 * 1024;

    public static async Task<T> ReadJsonAsync<T>(HttpRequest request) where T : class
    {
        if (request.ContentLength > MaxBytes) throw TooLarge();
        if (request.ContentType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
            throw new DomainException(ErrorCodes.RequestInvalid, $"The body must be JSON (Content-Type: application/json), not '{type}'.");

        using var buffer = new MemoryStream();
        try
        {
            await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        }
        catch (BadHttpRequestException e)
        {
            throw e.StatusCode == StatusCodes.Status413PayloadTooLarge ? TooLarge() : NotReadable(e);
        }
        if (buffer.Length > MaxBytes) throw TooLarge();
        if (buffer.Length == 0) throw new DomainException(ErrorCodes.RequestInvalid, "The request has no body; send a JSON object.");

        try
        {
            return JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), Options)
                ?? throw new DomainException(ErrorCodes.RequestInvalid, "The body is JSON null; send a JSON object.");
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 1 } ? $" at {e.Path}" : "";
            throw new DomainException(ErrorCodes.RequestInvalid,
                $"The body is not the expected JSON{where} (line {e.LineNumber + 1}, byte {e.BytePositionInLine}): {FirstSentence(e.Message)}");
        }
    }

    /// <summary>Kestrel's own limit, so a body over it is cut off while streaming rather than buffered whole.</summary>
    public static void ApplyLimit(HttpContext context)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = MaxBytes;
    }

    /// <summary>The answer to a body Kestrel could not read (outside an endpoint): 413 when too large, else 400.</summary>
    public static IResult Unreadable(HttpContext context, BadHttpRequestException e) =>
        Problems.From(e.StatusCode == StatusCodes.Status413PayloadTooLarge ? TooLarge() : NotReadable(e), context);

    // Kestrel's message names the framing error ("Bad chunk size data."), never body content.
    private static DomainException NotReadable(BadHttpRequestException e) =>
        new(ErrorCodes.RequestInvalid, $"The request body could not be read: {e.Message} Send a complete body (Content-Length, or well-formed chunked encoding).");

    private static DomainException TooLarge() =>
        new(ErrorCodes.PayloadTooLarge, $"Request bodies are limited to {MaxBytes / 1024} KiB; a prescription document is far smaller.");

    private static string FirstSentence(string message) => message.Split(". ")[0].TrimEnd('.') + ".";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };
}
