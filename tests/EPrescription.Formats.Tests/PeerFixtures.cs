using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace EPrescription.Formats.Tests;

/// <summary>
/// JAHIS documents from other public parsers, read where the shared specification keeps them
/// (<c>../shared/formats/peer-fixtures/</c> beside the repository; never copied into it), with what each origin's own tests
/// expect of them as SOURCES.md lists it.
/// </summary>
public static partial class PeerFixtures
{
    public static string Folder { get; } = Path.GetFullPath(Path.Combine(Samples.RepositoryRoot, "..", "shared", "formats", "peer-fixtures"));

    public static bool Available => File.Exists(Path.Combine(Folder, "SOURCES.md"));

    /// <summary>One fixture: its path under the folder, what its origin expects (accept, reject, readable), why, and its hash.</summary>
    public sealed record Fixture(string Name, string Expects, string Basis, string Sha256Prefix)
    {
        public string Origin => Name[..Name.IndexOf('/', StringComparison.Ordinal)];

        public byte[] Bytes() => File.ReadAllBytes(Path.Combine(Folder, Name));

        public override string ToString() => Name;
    }

    /// <summary>Every fixture SOURCES.md lists, in its order; none when the shared folder is not there.</summary>
    public static IReadOnlyList<Fixture> All { get; } = Load();

    public static IEnumerable<string> Origins => All.Select(f => f.Origin).Distinct(StringComparer.Ordinal);

    public static void RequireFolder()
    {
        if (!Available) Assert.Ignore($"The shared peer fixtures are not beside the repository ({Folder}); they are read there, never copied.");
    }

    public static string Sha256Prefix(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes))[..12];

    private static List<Fixture> Load()
    {
        if (!Available) return [];
        return [.. File.ReadLines(Path.Combine(Folder, "SOURCES.md"))
            .Select(line => Row().Match(line))
            .Where(m => m.Success)
            .Select(m => new Fixture(m.Groups["name"].Value, m.Groups["expects"].Value, m.Groups["basis"].Value, m.Groups["sha"].Value))];
    }

    // | `origin/file` | `where it came from` | accept | basis | 0123456789ab |
    [GeneratedRegex(@"^\| `(?<name>[^`]+)` \| .*? \| (?<expects>accept|reject|readable) \| (?<basis>.*) \| (?<sha>[0-9a-f]{12}) \|$")]
    private static partial Regex Row();
}
