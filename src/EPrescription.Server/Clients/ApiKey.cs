using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace EPrescription.Server.Clients;

/// <summary>API keys: "eprx_" + 32 random bytes in base64url, kept only as a SHA-256 hash and a short hint.</summary>
internal static class ApiKey
{
    public const string Prefix = "eprx_";

    /// <summary>How many leading characters an operator sees to recognise a key (the prefix and 5 characters of it).</summary>
    public const int HintLength = 10;

    public static string New() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// A plain SHA-256 is the right hash here, not a slow password hash: a generated key has 256 random bits, so there is no
    /// dictionary to try and brute force is hopeless however fast the hash. Being unsalted and deterministic also lets
    /// authentication find the client by an indexed lookup on the hash.
    /// </summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string Hint(string key) => key[..Math.Min(HintLength, key.Length)];

    /// <summary>The shared secret a notebook app uses to check the HMAC-SHA256 signature of webhook deliveries.</summary>
    public static string NewWebhookSecret() => "whsec_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>Client ids: "cl_" + 12 base32 characters (60 random bits), short enough to type in a CLI command.</summary>
    public static string NewClientId() => "cl_" + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz234567", 12);
}
