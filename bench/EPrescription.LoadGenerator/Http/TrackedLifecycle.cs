namespace EPrescription.LoadGenerator.Http;

/// <summary>
/// One lifecycle on its way: when its registration was sent, when the dispensing was answered, when its record appeared in the
/// notebook feed. The feed can show the record before the dispensing's answer reaches the worker; the lifecycle is done when
/// both have happened, and whichever comes second completes it.
/// </summary>
internal sealed class TrackedLifecycle(long registerStarted, bool measured)
{
    private long _dispensedAt;
    private long _recordedAt;
    private int _completed;

    public long RegisterStarted { get; } = registerStarted;

    /// <summary>Started inside the timed window: counted in the report.</summary>
    public bool Measured { get; } = measured;

    public long DispensedAt => Interlocked.Read(ref _dispensedAt);

    public long RecordedAt => Interlocked.Read(ref _recordedAt);

    /// <summary>True once for the call that completes the lifecycle.</summary>
    public bool Dispensed(long at)
    {
        Interlocked.CompareExchange(ref _dispensedAt, at, 0);
        return TryComplete();
    }

    /// <summary>True once for the call that completes the lifecycle.</summary>
    public bool Recorded(long at)
    {
        Interlocked.CompareExchange(ref _recordedAt, at, 0);
        return TryComplete();
    }

    private bool TryComplete() => DispensedAt != 0 && RecordedAt != 0 && Interlocked.Exchange(ref _completed, 1) == 0;
}
