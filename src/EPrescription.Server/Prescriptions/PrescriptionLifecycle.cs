using EPrescription.Server.Clients;

namespace EPrescription.Server.Prescriptions;

/// <summary>Who acts on a prescription: the authenticated client, its role, and how a refusal names it to others.</summary>
public sealed record Actor(string ClientId, ClientRole Role, string Name, string? InstitutionCode)
{
    public Party AsParty => new(ClientId, Name, InstitutionCode);

    /// <summary>The service itself: the expiry sweeper, or a read that finds a prescription past its last valid date.</summary>
    public static Actor System { get; } = new("", ClientRole.Admin, "EPrescription", null);
}

/// <summary>A client named in a refusal or a status: the holding pharmacy, say.</summary>
public sealed record Party(string ClientId, string Name, string? InstitutionCode);

/// <summary>The days (Japan dates, inclusive) in which a refill's next use may be received: 7 days either side of its due date.</summary>
public sealed record RefillWindow(DateOnly From, DateOnly To)
{
    public const int DaysEitherSide = 7;

    public static RefillWindow Around(DateOnly dueOn) => new(dueOn.AddDays(-DaysEitherSide), dueOn.AddDays(DaysEitherSide));
}

/// <summary>
/// What the lifecycle decides on: a prescription as stored, without its documents. <see cref="TotalUses"/> is 1 for an ordinary
/// prescription and 2–3 for a refill (リフィル, record 64); <see cref="UsesDone"/> counts the uses that ended with a final
/// dispensing; <see cref="PartsDone"/> counts the parts (分割調剤) dispensed in the current use.
/// </summary>
public sealed record PrescriptionState
{
    public required PrescriptionStatus Status { get; init; }
    public required string ClinicClientId { get; init; }
    public Party? Holder { get; init; }
    public required DateOnly IssuedOn { get; init; }
    /// <summary>The last valid date of the first use: issue date + 3 days, or record 52's date.</summary>
    public required DateOnly ExpiresOn { get; init; }
    public int TotalUses { get; init; } = 1;
    public int UsesDone { get; init; }
    public int PartsDone { get; init; }
    /// <summary>次回調剤予定日: when the next use of a refill is due; set while it awaits that use.</summary>
    public DateOnly? NextDueOn { get; init; }
    public int Version { get; init; }

    public bool IsRefill => TotalUses > 1;

    public RefillWindow? Window => NextDueOn is { } due ? RefillWindow.Around(due) : null;

    /// <summary>
    /// The last Japan date on which the prescription may still be received or kept: the first use's validity, a later use's
    /// window end; none once a part has been dispensed (the rest follows the dispensing already begun) or once it has settled.
    /// </summary>
    public DateOnly? ValidThrough => Status switch
    {
        PrescriptionStatus.Dispensed or PrescriptionStatus.Cancelled or PrescriptionStatus.Expired => null,
        _ when PartsDone > 0 => null,
        _ when UsesDone > 0 => Window?.To,
        _ => ExpiresOn,
    };
}

/// <summary>What an actor asks of a prescription.</summary>
public abstract record LifecycleAction
{
    /// <summary>受付: a pharmacy takes the prescription (after its exchange code was checked).</summary>
    public sealed record Receive : LifecycleAction;

    /// <summary>The holding pharmacy gives it back without finishing the use.</summary>
    public sealed record Return : LifecycleAction;

    /// <summary>
    /// The holding pharmacy reports a dispensing. <see cref="Part"/>: a part (分割調剤), the use goes on. <see cref="EndsRefill"/>:
    /// the pharmacy ends the refill here (調剤終了). <see cref="NextDueOn"/>: the next use's due date, stated by the pharmacy or
    /// the dispensing date + its supply days.
    /// </summary>
    public sealed record Dispense(bool Part, bool EndsRefill, DateOnly NextDueOn) : LifecycleAction;

    /// <summary>取消: the issuing clinic cancels (the remaining uses of a refill).</summary>
    public sealed record Cancel : LifecycleAction;

    /// <summary>The sweeper, or anyone looking, finds it past its last valid date.</summary>
    public sealed record Expire : LifecycleAction;
}

/// <summary>The fact a decision announces (an outbox event, a clinic event, a history entry).</summary>
public enum LifecycleEvent
{
    Received,
    Returned,
    Dispensed,
    Cancelled,
    Expired,
}

/// <summary>
/// What the lifecycle decided: the state to save (null when nothing changes), the event that announces it, and the refusal to
/// answer with (null when the action succeeds). An expiry found on the way is both: the expired state is saved and announced,
/// and the action is refused with EXPIRED.
/// </summary>
public sealed record Decision(PrescriptionState? Next, LifecycleEvent? Event, DomainException? Refusal)
{
    /// <summary>The action is a repeat of one that already took effect (the same pharmacy receiving again): answer as before.</summary>
    public bool Repeated { get; init; }

    public bool Changes => Next is not null;

    /// <summary>The refusal, thrown; for use cases whose decision must have succeeded to go on.</summary>
    public Decision OrThrow() => Refusal is null ? this : throw Refusal;
}

/// <summary>
/// The prescription lifecycle (SPEC §3), in one place: given the stored state, the actor, the action and the time, it decides the
/// next state, any expiry on the way, the event to announce and the refusal with its details. It touches no database; every use
/// case loads, asks <see cref="Decide"/>, and saves what it decided.
/// <code>
/// registered ──receive──▶ received ──dispense (final)──▶ dispensed
///     ▲  │                 │  ▲ │ dispense (part): stays received
///     │  │ cancel          │  │ └─dispense (refill, not the last use, not ended)──▶ awaiting-refill ──receive (in window)──▶ received
///     │  ▼                 │  └─────────────────────────────────────────────────────────────┘
///     │ cancelled          └─return──▶ registered (first use) / awaiting-refill (later uses)
///  registered / received / awaiting-refill ──past its last valid date──▶ expired
/// </code>
/// </summary>
public static class PrescriptionLifecycle
{
    /// <summary>States a prescription may expire from (the sweeper's candidates; <see cref="PrescriptionState.ValidThrough"/> decides).</summary>
    public static IReadOnlyList<PrescriptionStatus> Open { get; } =
        [PrescriptionStatus.Registered, PrescriptionStatus.Received, PrescriptionStatus.AwaitingRefill];

    public static Decision Decide(PrescriptionState state, Actor actor, LifecycleAction action, DateOnly today)
    {
        if (VisibleRefusal(state, actor, action) is { } hidden) return Refuse(hidden);
        // The sweeper's question: nothing to do when the prescription settled or is still valid meanwhile.
        if (action is LifecycleAction.Expire) return IsPastValidity(state, today) ? Expire(state, null) : Unchanged;
        if (Settled(state) is { } settled) return Refuse(settled);
        if (IsPastValidity(state, today)) return Expire(state, Expired(state));

        return action switch
        {
            LifecycleAction.Receive => Receive(state, actor, today),
            LifecycleAction.Return => Change(state with { Status = state.UsesDone > 0 ? PrescriptionStatus.AwaitingRefill : PrescriptionStatus.Registered, Holder = null },
                LifecycleEvent.Returned),
            LifecycleAction.Dispense dispense => Dispense(state, dispense),
            LifecycleAction.Cancel => state.Status == PrescriptionStatus.Received
                ? Refuse(WithPharmacy(state.Holder))
                : Change(state with { Status = PrescriptionStatus.Cancelled }, LifecycleEvent.Cancelled),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown lifecycle action."),
        };
    }

    /// <summary>Whether a refill awaiting its next use may be received from <paramref name="today"/> on (its window has opened).</summary>
    public static bool IsRefillDue(PrescriptionState state, DateOnly today) =>
        state.Status == PrescriptionStatus.AwaitingRefill && state.Window is { } window && today >= window.From && today <= window.To;

    /// <summary>Whether the sweeper should expire it today (Japan date).</summary>
    public static bool IsPastValidity(PrescriptionState state, DateOnly today) => state.ValidThrough is { } last && today > last;

    private static Decision Receive(PrescriptionState state, Actor actor, DateOnly today)
    {
        if (state.Status == PrescriptionStatus.Received)
        {
            return state.Holder?.ClientId == actor.ClientId
                ? Unchanged with { Repeated = true }
                : Refuse(WithAnotherPharmacy(state.Holder));
        }
        if (state.Status == PrescriptionStatus.AwaitingRefill && state.Window is { } window && today < window.From)
            return Refuse(NotYetDue(window));
        return Change(state with { Status = PrescriptionStatus.Received, Holder = actor.AsParty }, LifecycleEvent.Received);
    }

    private static Decision Dispense(PrescriptionState state, LifecycleAction.Dispense dispense)
    {
        if (dispense.Part) return Change(state with { PartsDone = state.PartsDone + 1 }, LifecycleEvent.Dispensed);
        var usesDone = state.UsesDone + 1;
        var ends = !state.IsRefill || dispense.EndsRefill || usesDone >= state.TotalUses;
        return Change(ends
                ? state with { Status = PrescriptionStatus.Dispensed, UsesDone = usesDone, PartsDone = 0, NextDueOn = null }
                : state with { Status = PrescriptionStatus.AwaitingRefill, Holder = null, UsesDone = usesDone, PartsDone = 0, NextDueOn = dispense.NextDueOn },
            LifecycleEvent.Dispensed);
    }

    /// <summary>
    /// Refusals that hide the prescription: to a pharmacy that does not hold it, return and dispense act on nothing; to a client
    /// other than the issuing clinic, cancel does. The answer is the same as for an unknown ID, so it tells nothing.
    /// </summary>
    private static DomainException? VisibleRefusal(PrescriptionState state, Actor actor, LifecycleAction action) => action switch
    {
        LifecycleAction.Receive when actor.Role != ClientRole.Pharmacy => Forbidden("Only a pharmacy may receive a prescription."),
        LifecycleAction.Return or LifecycleAction.Dispense when actor.Role != ClientRole.Pharmacy =>
            Forbidden("Only the pharmacy holding a prescription may return it or report its dispensing."),
        LifecycleAction.Return or LifecycleAction.Dispense when state.Holder?.ClientId != actor.ClientId => NotFound(),
        LifecycleAction.Cancel when actor.Role != ClientRole.Clinic || state.ClinicClientId != actor.ClientId => NotFound(),
        _ => null,
    };

    /// <summary>The refusal for a prescription that has settled (dispensed, cancelled, expired), whatever is asked of it.</summary>
    private static DomainException? Settled(PrescriptionState state) => state.Status switch
    {
        PrescriptionStatus.Dispensed => new DomainException(ErrorCodes.AlreadyDispensed,
            state.IsRefill ? $"The refill prescription has ended after {state.UsesDone} of {state.TotalUses} use(s)." : "The prescription has already been dispensed."),
        PrescriptionStatus.Cancelled => new DomainException(ErrorCodes.Cancelled, "The issuing clinic cancelled this prescription."),
        PrescriptionStatus.Expired => new DomainException(ErrorCodes.Expired, "The prescription is past its last valid date."),
        _ => null,
    };

    private static Decision Expire(PrescriptionState state, DomainException? refusal) =>
        Change(state with { Status = PrescriptionStatus.Expired, Holder = null }, LifecycleEvent.Expired) with { Refusal = refusal };

    private static Decision Change(PrescriptionState next, LifecycleEvent announced) => new(next with { Version = next.Version + 1 }, announced, null);

    private static Decision Refuse(DomainException refusal) => new(null, null, refusal);

    private static readonly Decision Unchanged = new(null, null, null);

    private static DomainException Expired(PrescriptionState state) => new(ErrorCodes.Expired, state.UsesDone > 0 && state.Window is { } window
        ? $"The next use of this refill prescription could be received from {window.From:yyyy-MM-dd} through {window.To:yyyy-MM-dd} (Japan time); that window has passed."
        : $"The prescription was valid through {state.ExpiresOn:yyyy-MM-dd} (Japan time) and can no longer be dispensed.");

    private static DomainException NotYetDue(RefillWindow window) => new(ErrorCodes.NotYetDue,
        $"The next use of this refill prescription may be received from {window.From:yyyy-MM-dd} through {window.To:yyyy-MM-dd} (Japan time).",
        extensions: new Dictionary<string, object?> { ["window"] = new Dictionary<string, string> { ["from"] = Iso(window.From), ["to"] = Iso(window.To) } });

    private static DomainException WithAnotherPharmacy(Party? holder) => new(ErrorCodes.WithAnotherPharmacy,
        $"Pharmacy {holder?.Name} ({holder?.InstitutionCode}) has already received this prescription.", extensions: HolderOf(holder));

    private static DomainException WithPharmacy(Party? holder) => new(ErrorCodes.WithPharmacy,
        $"Pharmacy {holder?.Name} ({holder?.InstitutionCode}) has received this prescription; it must return it before it can be cancelled.",
        extensions: HolderOf(holder));

    private static Dictionary<string, object?> HolderOf(Party? holder) =>
        new() { ["holder"] = new Dictionary<string, string?> { ["name"] = holder?.Name, ["institutionCode"] = holder?.InstitutionCode } };

    private static DomainException NotFound() => new(ErrorCodes.PrescriptionNotFound,
        "No such prescription is visible to you. Check the prescription ID (and the exchange code, where one is needed).");

    private static DomainException Forbidden(string detail) => new(ErrorCodes.Forbidden, detail);

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
