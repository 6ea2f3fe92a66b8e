using System.Security.Cryptography;
using System.Text;

namespace EPrescription.NotebookSync.Webhooks;

/// <summary>
/// <c>X-EPrescription-Signature: sha256=&lt;hex HMAC-SHA256 of the exact body bytes, keyed with the app's webhook secret&gt;</c>.
/// An app recomputes it over the bytes it received and compares in constant time before trusting the record.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-EPrescription-Signature";
    public const string DeliveryHeader = "X-EPrescription-Delivery";
    public const string AttemptHeader = "X-EPrescription-Attempt";

    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? header) =>
        header is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, body)), Encoding.ASCII.GetBytes(header));
}
