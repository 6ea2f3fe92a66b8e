using System.Collections.Concurrent;
using Org.BouncyCastle.X509;

namespace EPrescription.Signatures.Trust;

/// <summary>Where trust anchors and CRLs come from. Each entry is a file or a folder; a folder may hold both kinds.</summary>
public sealed record TrustStoreOptions
{
    /// <summary>Certificate files (PEM or DER) or folders of them; every certificate found is a trust anchor.</summary>
    public IReadOnlyList<string> TrustAnchors { get; init; } = [];

    /// <summary>CRL files (PEM or DER) or folders of them.</summary>
    public IReadOnlyList<string> Crls { get; init; } = [];

    /// <summary>Reload by itself when a file in those places changes.</summary>
    public bool WatchForChanges { get; init; }
}

/// <summary>The trust anchors and CRLs the verifier uses, reloadable without a restart.</summary>
public sealed class TrustStore : IDisposable
{
    private static readonly string[] FileExtensions = [".pem", ".crt", ".cer", ".der", ".crl"];

    private readonly TrustStoreOptions? _options;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Lock _reloadLock = new();
    private Timer? _debounce;
    private volatile TrustSnapshot _current;

    public TrustStore(TrustStoreOptions options)
    {
        _options = options;
        _current = Load(options);
        if (options.WatchForChanges)
            Watch(options);
    }

    private TrustStore(TrustSnapshot snapshot) => _current = snapshot;

    /// <summary>A store held in memory, for tests and embedded use; <see cref="Reload"/> does nothing on it.</summary>
    public static TrustStore FromCertificates(IEnumerable<X509Certificate> trustAnchors, IEnumerable<X509Crl>? crls = null) =>
        new(new TrustSnapshot([.. trustAnchors], [.. crls ?? []]));

    public IReadOnlyList<X509Certificate> TrustAnchors => _current.Anchors;

    public IReadOnlyList<X509Crl> Crls => _current.Crls;

    /// <summary>Raised when a reload triggered by a file change fails; the previous anchors and CRLs stay in force.</summary>
    public event EventHandler<TrustStoreException>? ReloadFailed;

    /// <summary>Raised after every successful reload.</summary>
    public event EventHandler? Reloaded;

    internal TrustSnapshot Current => _current;

    /// <summary>
    /// Reads the configured files again. On an unreadable file it throws and keeps what was loaded before, so a half-written
    /// CRL never leaves the server trusting nothing (or everything).
    /// </summary>
    public void Reload()
    {
        if (_options is null)
            return;
        lock (_reloadLock)
            _current = Load(_options);
        Reloaded?.Invoke(this, EventArgs.Empty);
    }

    private static TrustSnapshot Load(TrustStoreOptions options)
    {
        var anchors = new List<X509Certificate>();
        foreach (var file in FilesIn(options.TrustAnchors))
            anchors.AddRange(Read(file, CertificateFiles.ReadCertificates));
        if (anchors.Count == 0 && options.TrustAnchors.Count > 0)
            throw new TrustStoreException($"No trust anchor certificate found in {string.Join(", ", options.TrustAnchors)}.");

        var crls = new List<X509Crl>();
        foreach (var file in FilesIn(options.Crls))
            crls.AddRange(Read(file, CertificateFiles.ReadCrls));

        return new TrustSnapshot(anchors.DistinctBy(a => Convert.ToHexString(a.GetEncoded())).ToList(), crls);
    }

    private static IReadOnlyList<T> Read<T>(string file, Func<byte[], IReadOnlyList<T>> parse)
    {
        try
        {
            return parse(File.ReadAllBytes(file));
        }
        catch (Exception e)
        {
            throw new TrustStoreException($"Cannot read {file}: {e.Message}", e);
        }
    }

    private static IEnumerable<string> FilesIn(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path).Order(StringComparer.Ordinal))
                    if (FileExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
                        yield return file;
            }
            else if (File.Exists(path))
                yield return path;
            else
                throw new TrustStoreException($"Trust configuration path not found: {path}");
        }
    }

    private void Watch(TrustStoreOptions options)
    {
        var folders = options.TrustAnchors.Concat(options.Crls)
            .Select(p => Directory.Exists(p) ? Path.GetFullPath(p) : Path.GetDirectoryName(Path.GetFullPath(p))!)
            .Distinct(StringComparer.Ordinal);
        _debounce = new Timer(_ => ReloadFromWatcher());
        foreach (var folder in folders)
        {
            var watcher = new FileSystemWatcher(folder) { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
            FileSystemEventHandler changed = (_, _) => _debounce.Change(TimeSpan.FromMilliseconds(300), Timeout.InfiniteTimeSpan);
            watcher.Changed += changed;
            watcher.Created += changed;
            watcher.Deleted += changed;
            watcher.Renamed += (_, _) => _debounce.Change(TimeSpan.FromMilliseconds(300), Timeout.InfiniteTimeSpan);
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    private void ReloadFromWatcher()
    {
        try
        {
            Reload();
        }
        catch (TrustStoreException e)
        {
            ReloadFailed?.Invoke(this, e);
        }
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
            watcher.Dispose();
        _debounce?.Dispose();
    }
}

public sealed class TrustStoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One consistent set of anchors and CRLs, with what follows from them alone and is kept for the next verification: the
/// chains built to the anchors (by signer certificate) and, per issuer, the CRL that speaks for it with its entries by serial
/// number. A reload makes a new snapshot, which starts with none of them, so a new CRL version or a changed anchor takes
/// effect on the next verification. Nothing that depends on time is kept: validity at the signing time, a CRL's
/// nextUpdate and a revocation date against the signing time are judged on every verification.
/// </summary>
internal sealed class TrustSnapshot(IReadOnlyList<X509Certificate> anchors, IReadOnlyList<X509Crl> crls)
{
    private const int MaxCachedChains = 10_000;

    // Issuers are CA certificates that chained to an anchor: a handful. The bound is a safety net only.
    private const int MaxCachedIssuers = 1_000;

    public IReadOnlyList<X509Certificate> Anchors { get; } = anchors;

    public IReadOnlyList<X509Crl> Crls { get; } = crls;

    private readonly ConcurrentDictionary<string, TrustedChain> _chains = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, IssuerCrl> _issuerCrls = new(StringComparer.Ordinal);

    public bool TryGetChain(string certificateFingerprint, out TrustedChain chain) =>
        _chains.TryGetValue(certificateFingerprint, out chain!);

    public void CacheChain(string certificateFingerprint, TrustedChain chain)
    {
        if (_chains.Count >= MaxCachedChains)
            _chains.Clear();
        _chains[certificateFingerprint] = chain;
    }

    /// <summary>The CRL of <paramref name="issuer"/> (whose fingerprint the chain holds) in this configuration.</summary>
    public IssuerCrl CrlOf(X509Certificate issuer, string issuerFingerprint)
    {
        if (_issuerCrls.TryGetValue(issuerFingerprint, out var known))
            return known;
        if (_issuerCrls.Count >= MaxCachedIssuers)
            _issuerCrls.Clear();
        return _issuerCrls.GetOrAdd(issuerFingerprint, static (_, state) => IssuerCrl.For(state.Issuer, state.Crls), (Issuer: issuer, Crls));
    }
}
