namespace EPrescription.Api.Tests;

/// <summary>
/// The service's clock in the tests: the system's time until a scenario sets it, then standing still where it was set
/// (the expiry boundary at midnight in Japan, the end of a lockout). Timers keep running on real time, so the service's
/// background work (outbox relay, expiry sweeper) goes on as usual.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _now;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock) return _now ?? System.GetUtcNow();
    }

    /// <summary>Stops the clock at <paramref name="instant"/>.</summary>
    public void Set(DateTimeOffset instant)
    {
        lock (_lock) _now = instant.ToUniversalTime();
    }

    /// <summary>Moves the clock on (stopping it where it is first, if it follows the system).</summary>
    public void Advance(TimeSpan by)
    {
        lock (_lock) _now = (_now ?? System.GetUtcNow()) + by;
    }

    /// <summary>Back to the system's time.</summary>
    public void FollowSystem()
    {
        lock (_lock) _now = null;
    }
}
