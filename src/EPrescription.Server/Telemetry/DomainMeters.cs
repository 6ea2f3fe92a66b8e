using System.Collections.Frozen;
using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using EPrescription.Contracts;

namespace EPrescription.Server.Telemetry;

/// <summary>
/// The domain's own instruments (meter <c>EPrescription</c>), exported at /metrics: what the service did to prescriptions, the
/// refusals by problem code, the notebook records written and how long database transactions take. A change is counted when its
/// transaction commits, never when it is only attempted: the use cases announce every change through the outbox, and
/// <see cref="OnCommit"/> holds the count until <see cref="CommitCounts.Commit"/>.
/// </summary>
public static class DomainMeters
{
    public const string MeterName = "EPrescription";

    private static readonly Meter Meter = new(MeterName, typeof(DomainMeters).Assembly.GetName().Version?.ToString());

    public static readonly Counter<long> Registrations = Meter.CreateCounter<long>("eprx.prescriptions.registered", "{prescription}", "Prescriptions registered (retries answered from the first registration not counted)");
    public static readonly Counter<long> Receives = Meter.CreateCounter<long>("eprx.prescriptions.received", "{prescription}", "Prescriptions received (受付) by a pharmacy");
    public static readonly Counter<long> Returns = Meter.CreateCounter<long>("eprx.prescriptions.returned", "{prescription}", "Prescriptions returned by the holding pharmacy");
    public static readonly Counter<long> Dispensings = Meter.CreateCounter<long>("eprx.prescriptions.dispensed", "{prescription}", "Dispensing results recorded");
    public static readonly Counter<long> Cancellations = Meter.CreateCounter<long>("eprx.prescriptions.cancelled", "{prescription}", "Prescriptions cancelled by the issuing clinic");
    public static readonly Counter<long> Expirations = Meter.CreateCounter<long>("eprx.prescriptions.expired", "{prescription}", "Prescriptions past their last valid date without a dispensing");
    public static readonly Counter<long> RefillsDue = Meter.CreateCounter<long>("eprx.prescriptions.refill_due", "{prescription}", "Refill prescriptions whose next use's window opened");
    public static readonly Counter<long> NotebookRecords = Meter.CreateCounter<long>("eprx.notebook.records.written", "{record}", "Dispensing records written for notebook apps");

    private static readonly Counter<long> Refusals = Meter.CreateCounter<long>("eprx.requests.refused", "{request}", "Requests answered with a problem document, by its code");

    private static readonly Histogram<double> TransactionDuration = Meter.CreateHistogram("eprx.db.transaction.duration", "s",
        "Committed database transactions of the service, from waiting for the connection (and, on SQLite, for the one writer) to the commit",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary>Each event the outbox carries stands for one change of the lifecycle.</summary>
    private static readonly FrozenDictionary<Type, Counter<long>> ByEvent = new Dictionary<Type, Counter<long>>
    {
        [typeof(PrescriptionRegistered)] = Registrations,
        [typeof(PrescriptionReceived)] = Receives,
        [typeof(PrescriptionReturned)] = Returns,
        [typeof(DispensingRecorded)] = Dispensings,
        [typeof(PrescriptionCancelled)] = Cancellations,
        [typeof(PrescriptionExpired)] = Expirations,
        [typeof(RefillDue)] = RefillsDue,
    }.ToFrozenDictionary();

    private static readonly ConditionalWeakTable<DbTransaction, List<Counter<long>>> Pending = new();

    /// <summary>A problem document was sent with this code (RATE_LIMITED, PRESCRIPTION_NOT_FOUND, SERVICE_UNAVAILABLE, ...).</summary>
    public static void Refused(string code) => Refusals.Add(1, new KeyValuePair<string, object?>("code", code));

    /// <summary>Counts the change an outbox event announces once <paramref name="transaction"/> commits.</summary>
    public static void OnCommit(DbTransaction transaction, Type eventType)
    {
        if (ByEvent.TryGetValue(eventType, out var counter)) OnCommit(transaction, counter);
    }

    /// <summary>Adds one to <paramref name="counter"/> once <paramref name="transaction"/> commits; nothing if it rolls back.</summary>
    public static void OnCommit(DbTransaction transaction, Counter<long> counter) => Pending.GetOrCreateValue(transaction).Add(counter);

    /// <summary>How many counts wait for <paramref name="transaction"/>'s commit: a mark to forget back to (a savepoint's).</summary>
    public static int PendingMark(DbTransaction transaction) => Pending.TryGetValue(transaction, out var counters) ? counters.Count : 0;

    /// <summary>Forgets the counts added after <paramref name="mark"/>: the work that added them was rolled back to its savepoint.</summary>
    public static void ForgetSince(DbTransaction transaction, int mark)
    {
        if (Pending.TryGetValue(transaction, out var counters) && counters.Count > mark) counters.RemoveRange(mark, counters.Count - mark);
    }

    /// <summary>
    /// Starts watching one transaction; <see cref="Storage.Database"/> calls it for each transaction it runs. Dispose forgets what
    /// was not committed: providers reuse transaction objects, and a rolled-back count must not ride along with the next one.
    /// </summary>
    public static CommitCounts Watch(DbTransaction transaction, string databaseSystem, long startedAt) => new(transaction, databaseSystem, startedAt);

    public readonly struct CommitCounts(DbTransaction transaction, string databaseSystem, long startedAt) : IDisposable
    {
        public void Commit()
        {
            TransactionDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, new KeyValuePair<string, object?>("db.system.name", databaseSystem));
            if (!Pending.TryGetValue(transaction, out var counters)) return;
            foreach (var counter in counters) counter.Add(1);
            counters.Clear();
        }

        public void Dispose() => Pending.Remove(transaction);
    }
}
