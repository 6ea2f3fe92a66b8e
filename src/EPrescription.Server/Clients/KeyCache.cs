using System.Collections.Concurrent;

namespace EPrescription.Server.Clients;

/// <summary>
/// The clients of recently used API keys, by key hash, for a few seconds: every request authenticates, and without this
/// each one would read the clients table first. A revocation made through this process's <see cref="ClientStore"/> takes
/// the client out at once; one made elsewhere (<c>eprx clients revoke</c>, another node) is seen here once the entry is
/// older than the lifetime. Unknown and revoked keys are never cached, so a key added elsewhere works at once.
/// </summary>
internal sealed class KeyCache(TimeProvider time, TimeSpan lifetime)
{
    // Far more clients than a regional network has; reaching it (keys of clients that come and go) starts the cache afresh.
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _revocations;

    public bool Enabled => lifetime > TimeSpan.Zero;

    /// <summary>How many revocations this process has made; read before the database, handed to <see cref="Add"/>.</summary>
    public long Revocations => Interlocked.Read(ref _revocations);

    public Client? Find(string keyHash)
    {
        if (!Enabled || !_entries.TryGetValue(keyHash, out var entry)) return null;
        var age = time.GetUtcNow() - entry.CachedAt;
        // A clock set back makes the age negative: such an entry cannot be trusted to be recent.
        if (age >= TimeSpan.Zero && age < lifetime) return entry.Client;
        _entries.TryRemove(KeyValuePair.Create(keyHash, entry));
        return null;
    }

    /// <summary>
    /// Remembers what the database said of a key. <paramref name="revocationsBefore"/> is <see cref="Revocations"/> as read
    /// before the database was: a revocation in between may have committed after that read, so the entry is not kept.
    /// </summary>
    public void Add(string keyHash, Client client, long revocationsBefore)
    {
        if (!Enabled) return;
        if (_entries.Count >= MaxEntries) _entries.Clear();
        var entry = new Entry(client, time.GetUtcNow());
        _entries[keyHash] = entry;
        // Checked after adding: a revocation either sees the entry when it sweeps, or has counted before this check.
        if (Revocations != revocationsBefore) _entries.TryRemove(KeyValuePair.Create(keyHash, entry));
    }

    /// <summary>Forgets every key of the client; called after its revocation committed.</summary>
    public void Revoked(string clientId)
    {
        Interlocked.Increment(ref _revocations);
        foreach (var (hash, entry) in _entries)
        {
            if (string.Equals(entry.Client.Id, clientId, StringComparison.Ordinal))
                _entries.TryRemove(KeyValuePair.Create(hash, entry));
        }
    }

    // A class, not a record: removing compares entries by reference, so only the very entry that was read is removed.
    private sealed class Entry(Client client, DateTimeOffset cachedAt)
    {
        public Client Client { get; } = client;
        public DateTimeOffset CachedAt { get; } = cachedAt;
    }
}
