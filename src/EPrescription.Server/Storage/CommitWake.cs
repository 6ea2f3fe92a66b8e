namespace EPrescription.Server.Storage;

/// <summary>
/// Lets a polling background worker (the outbox relay, the webhook dispatcher) wake as soon as this process commits a
/// transaction, instead of waiting for its next poll. Many commits coalesce into one wake; rows written by other processes
/// are still found by the poll.
/// </summary>
public sealed class CommitWake : IDisposable
{
    private readonly Database _database;
    private readonly SemaphoreSlim _signal = new(0, 1);

    public CommitWake(Database database)
    {
        _database = database;
        _database.Committed += Wake;
    }

    /// <summary>Waits for the next commit of this process or for <paramref name="poll"/>, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan poll, CancellationToken cancellationToken) => _signal.WaitAsync(poll, cancellationToken);

    private void Wake()
    {
        if (_signal.CurrentCount > 0) return;
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // another commit woke it already
        }
    }

    public void Dispose()
    {
        _database.Committed -= Wake;
        _signal.Dispose();
    }
}
