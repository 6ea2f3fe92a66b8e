using System.Collections.Concurrent;

namespace EPrescription.LoadGenerator.Measuring;

/// <summary>Failures by operation and cause ("dispense 409 NOT_HELD", "register timeout"), counted while the run goes on.</summary>
internal sealed class ErrorCounts
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public void Add(string operation, string cause)
    {
        _counts.AddOrUpdate($"{operation} {cause}", 1, (_, n) => n + 1);
        Interlocked.Increment(ref _total);
    }

    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);
}
