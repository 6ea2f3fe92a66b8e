using EPrescription.Server.Clients;
using EPrescription.Server.Prescriptions;
using static EPrescription.Server.Prescriptions.PrescriptionStatus;

namespace EPrescription.Server.Tests.Prescriptions;

/// <summary>
/// Every (state, action) pair of the lifecycle, decided with no database: who may act, what the prescription becomes, what is
/// announced, and the refusal with its code. Dates are Japan business dates; "today" is 2026-12-10 unless a row says otherwise.
/// </summary>
public sealed class LifecycleTests
{
    private static readonly DateOnly Today = new(2026, 12, 10);
    private static readonly Actor Clinic = new("cl_clinic", ClientRole.Clinic, "Clinic", "1311234567");
    private static readonly Actor OtherClinic = new("cl_other_clinic", ClientRole.Clinic, "Other clinic", "1319999999");
    private static readonly Actor Pharmacy = new("cl_pharmacy", ClientRole.Pharmacy, "Pharmacy", "1341234567");
    private static readonly Actor OtherPharmacy = new("cl_other_pharmacy", ClientRole.Pharmacy, "Other pharmacy", "1349999999");
    private static readonly Actor NotebookApp = new("cl_app", ClientRole.NotebookApp, "App", null);

    private static readonly LifecycleAction Receive = new LifecycleAction.Receive();
    private static readonly LifecycleAction Return = new LifecycleAction.Return();
    private static readonly LifecycleAction Part = new LifecycleAction.Dispense(Part: true, EndsRefill: false, NextDueOn: new(2026, 12, 24));
    private static readonly LifecycleAction Final = new LifecycleAction.Dispense(Part: false, EndsRefill: false, NextDueOn: new(2026, 12, 24));
    private static readonly LifecycleAction FinalEndingRefill = new LifecycleAction.Dispense(Part: false, EndsRefill: true, NextDueOn: new(2026, 12, 24));
    private static readonly LifecycleAction Cancel = new LifecycleAction.Cancel();
    private static readonly LifecycleAction Expire = new LifecycleAction.Expire();

    /// <summary>Issued 2026-12-08, valid through 2026-12-11 (issue date + 3 days).</summary>
    private static readonly PrescriptionState Registered = new()
    {
        Status = PrescriptionStatus.Registered, ClinicClientId = Clinic.ClientId, IssuedOn = new(2026, 12, 8), ExpiresOn = new(2026, 12, 11), Version = 1,
    };
    private static readonly PrescriptionState Held = Registered with { Status = Received, Holder = Pharmacy.AsParty, Version = 2 };
    private static readonly PrescriptionState HeldAfterPart = Held with { PartsDone = 1 };
    private static readonly PrescriptionState ReturnedAfterPart = Registered with { PartsDone = 1 };
    /// <summary>A refill of 3 uses after its first: due 2026-12-20, receivable 2026-12-13 … 2026-12-27.</summary>
    private static readonly PrescriptionState Awaiting = Registered with { Status = AwaitingRefill, TotalUses = 3, UsesDone = 1, NextDueOn = new(2026, 12, 20) };
    private static readonly PrescriptionState HeldSecondUse = Awaiting with { Status = Received, Holder = Pharmacy.AsParty };
    private static readonly PrescriptionState HeldLastUse = HeldSecondUse with { UsesDone = 2 };
    private static readonly PrescriptionState HeldFirstUseOfRefill = Held with { TotalUses = 3 };
    private static readonly PrescriptionState Done = Held with { Status = Dispensed, UsesDone = 1 };
    private static readonly PrescriptionState Gone = Registered with { Status = Cancelled };
    private static readonly PrescriptionState Lapsed = Registered with { Status = Expired };

    private static readonly DateOnly PastValidity = new(2026, 12, 12);
    private static readonly DateOnly InWindow = new(2026, 12, 14);
    private static readonly DateOnly PastWindow = new(2026, 12, 28);

    public sealed record Case(string Name, PrescriptionState State, Actor Actor, LifecycleAction Action, DateOnly On,
        PrescriptionStatus? Becomes, string? Refused, LifecycleEvent? Announces)
    {
        public override string ToString() => Name;
    }

    private static Case Ok(string name, PrescriptionState state, Actor actor, LifecycleAction action, PrescriptionStatus becomes, LifecycleEvent announces, DateOnly? on = null) =>
        new(name, state, actor, action, on ?? Today, becomes, null, announces);

    private static Case No(string name, PrescriptionState state, Actor actor, LifecycleAction action, string code, DateOnly? on = null) =>
        new(name, state, actor, action, on ?? Today, null, code, null);

    /// <summary>Expired on the way: the expiry is saved and announced, and the action refused with EXPIRED.</summary>
    private static Case Lapses(string name, PrescriptionState state, Actor actor, LifecycleAction action, DateOnly on) =>
        new(name, state, actor, action, on, Expired, ErrorCodes.Expired, LifecycleEvent.Expired);

    public static IEnumerable<Case> Cases =>
    [
        // registered (未受付)
        Ok("registered: a pharmacy receives it", Registered, Pharmacy, Receive, Received, LifecycleEvent.Received),
        Lapses("registered: receive after its last valid date expires it", Registered, Pharmacy, Receive, PastValidity),
        Ok("registered: receive on its last valid date", Registered, Pharmacy, Receive, Received, LifecycleEvent.Received, new(2026, 12, 11)),
        No("registered: a clinic cannot receive", Registered, Clinic, Receive, ErrorCodes.Forbidden),
        No("registered: return by a pharmacy that does not hold it", Registered, Pharmacy, Return, ErrorCodes.PrescriptionNotFound),
        No("registered: dispense by a pharmacy that does not hold it", Registered, Pharmacy, Final, ErrorCodes.PrescriptionNotFound),
        No("registered: a part by a pharmacy that does not hold it", Registered, Pharmacy, Part, ErrorCodes.PrescriptionNotFound),
        Ok("registered: the issuing clinic cancels", Registered, Clinic, Cancel, Cancelled, LifecycleEvent.Cancelled),
        No("registered: another clinic cannot see it to cancel", Registered, OtherClinic, Cancel, ErrorCodes.PrescriptionNotFound),
        No("registered: a pharmacy cannot cancel", Registered, Pharmacy, Cancel, ErrorCodes.PrescriptionNotFound),
        Lapses("registered: cancel after its last valid date finds it expired", Registered, Clinic, Cancel, PastValidity),
        Ok("registered: the sweeper expires it after its last valid date", Registered, Clinic, Expire, Expired, LifecycleEvent.Expired, PastValidity),
        new("registered: the sweeper leaves it on its last valid date", Registered, Clinic, Expire, new(2026, 12, 11), null, null, null),

        // received (調剤中)
        new("received: the holder receiving again is a repeat", Held, Pharmacy, Receive, Today, null, null, null),
        No("received: another pharmacy is told who holds it", Held, OtherPharmacy, Receive, ErrorCodes.WithAnotherPharmacy),
        Ok("received: the holder returns it", Held, Pharmacy, Return, PrescriptionStatus.Registered, LifecycleEvent.Returned),
        Lapses("received: return after its last valid date expires it", Held, Pharmacy, Return, PastValidity),
        No("received: another pharmacy cannot return it", Held, OtherPharmacy, Return, ErrorCodes.PrescriptionNotFound),
        Ok("received: the holder dispenses it", Held, Pharmacy, Final, Dispensed, LifecycleEvent.Dispensed),
        Lapses("received: dispense after its last valid date expires it", Held, Pharmacy, Final, PastValidity),
        No("received: another pharmacy cannot dispense it", Held, OtherPharmacy, Final, ErrorCodes.PrescriptionNotFound),
        No("received: a clinic cannot dispense it", Held, Clinic, Final, ErrorCodes.Forbidden),
        Ok("received: a part keeps it received", Held, Pharmacy, Part, Received, LifecycleEvent.Dispensed),
        No("received: the clinic cannot cancel while a pharmacy holds it", Held, Clinic, Cancel, ErrorCodes.WithPharmacy),
        Ok("received: the sweeper expires it after its last valid date", Held, Clinic, Expire, Expired, LifecycleEvent.Expired, PastValidity),

        // parts (分割調剤)
        Ok("after a part: the last part completes it, past the first validity too", HeldAfterPart, Pharmacy, Final, Dispensed, LifecycleEvent.Dispensed, PastValidity),
        Ok("after a part: another part", HeldAfterPart, Pharmacy, Part, Received, LifecycleEvent.Dispensed, PastValidity),
        Ok("after a part: returned, it is registered for another pharmacy", HeldAfterPart, Pharmacy, Return, PrescriptionStatus.Registered, LifecycleEvent.Returned, PastValidity),
        Ok("after a part: another pharmacy continues past the first validity", ReturnedAfterPart, OtherPharmacy, Receive, Received, LifecycleEvent.Received, PastValidity),
        new("after a part: the sweeper leaves it", ReturnedAfterPart, Clinic, Expire, PastValidity, null, null, null),

        // refills (リフィル)
        Ok("refill: the first use of three awaits the next", HeldFirstUseOfRefill, Pharmacy, Final, AwaitingRefill, LifecycleEvent.Dispensed),
        Ok("refill: the pharmacy ends it at the first use", HeldFirstUseOfRefill, Pharmacy, FinalEndingRefill, Dispensed, LifecycleEvent.Dispensed),
        No("refill: before the window the next use is not yet due", Awaiting, OtherPharmacy, Receive, ErrorCodes.NotYetDue),
        Ok("refill: inside the window any pharmacy receives it", Awaiting, OtherPharmacy, Receive, Received, LifecycleEvent.Received, InWindow),
        Ok("refill: on the window's first day", Awaiting, OtherPharmacy, Receive, Received, LifecycleEvent.Received, new(2026, 12, 13)),
        Ok("refill: on the window's last day", Awaiting, OtherPharmacy, Receive, Received, LifecycleEvent.Received, new(2026, 12, 27)),
        Lapses("refill: after the window it expires", Awaiting, OtherPharmacy, Receive, PastWindow),
        No("refill: nobody holds it between uses to return it", Awaiting, Pharmacy, Return, ErrorCodes.PrescriptionNotFound, InWindow),
        No("refill: nobody holds it between uses to dispense it", Awaiting, Pharmacy, Final, ErrorCodes.PrescriptionNotFound, InWindow),
        Ok("refill: the clinic cancels the remaining uses", Awaiting, Clinic, Cancel, Cancelled, LifecycleEvent.Cancelled),
        Ok("refill: the sweeper expires it after the window", Awaiting, Clinic, Expire, Expired, LifecycleEvent.Expired, PastWindow),
        new("refill: the sweeper leaves it before the window ends", Awaiting, Clinic, Expire, new(2026, 12, 27), null, null, null),
        Ok("refill: the second use returned awaits again", HeldSecondUse, Pharmacy, Return, AwaitingRefill, LifecycleEvent.Returned, InWindow),
        Ok("refill: the second use of three awaits the third", HeldSecondUse, Pharmacy, Final, AwaitingRefill, LifecycleEvent.Dispensed, InWindow),
        Ok("refill: the last use ends it", HeldLastUse, Pharmacy, Final, Dispensed, LifecycleEvent.Dispensed, InWindow),
        Lapses("refill: a held use after its window expires", HeldSecondUse, Pharmacy, Final, PastWindow),

        // settled states: every action is refused with the state's own code, the sweeper does nothing
        .. Settled(Done, ErrorCodes.AlreadyDispensed),
        .. Settled(Gone, ErrorCodes.Cancelled),
        .. Settled(Lapsed, ErrorCodes.Expired),
    ];

    private static IEnumerable<Case> Settled(PrescriptionState state, string code)
    {
        var name = state.Status.ToString().ToLowerInvariant();
        yield return No($"{name}: receive", state, OtherPharmacy, Receive, code);
        yield return No($"{name}: cancel", state, Clinic, Cancel, code);
        yield return new($"{name}: the sweeper", state, Clinic, Expire, PastValidity, null, null, null);
        if (state.Holder is not null)
        {
            yield return No($"{name}: return by the last holder", state, Pharmacy, Return, code);
            yield return No($"{name}: dispense by the last holder", state, Pharmacy, Final, code);
        }
        else
        {
            yield return No($"{name}: return", state, Pharmacy, Return, ErrorCodes.PrescriptionNotFound);
            yield return No($"{name}: dispense", state, Pharmacy, Final, ErrorCodes.PrescriptionNotFound);
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Should_decide(Case @case)
    {
        var decision = PrescriptionLifecycle.Decide(@case.State, @case.Actor, @case.Action, @case.On);

        Assert.Multiple(() =>
        {
            Assert.That(decision.Next?.Status, Is.EqualTo(@case.Becomes), "the state saved");
            Assert.That(decision.Refusal?.Code, Is.EqualTo(@case.Refused), "the refusal");
            Assert.That(decision.Event, Is.EqualTo(@case.Announces), "the event announced");
            if (decision.Next is { } next) Assert.That(next.Version, Is.EqualTo(@case.State.Version + 1), "a saved change moves the version");
        });
    }

    [Test]
    public void Every_status_and_action_pair_is_in_the_table()
    {
        var actions = new[] { typeof(LifecycleAction.Receive), typeof(LifecycleAction.Return), typeof(LifecycleAction.Dispense), typeof(LifecycleAction.Cancel), typeof(LifecycleAction.Expire) };
        var covered = Cases.Select(c => (c.State.Status, c.Action.GetType())).ToHashSet();
        var missing = Enum.GetValues<PrescriptionStatus>().SelectMany(s => actions.Select(a => (s, a))).Where(p => !covered.Contains(p)).ToList();
        Assert.That(missing, Is.Empty, "pairs with no row in the table");
    }

    [Test]
    public void Should_hold_for_the_receiving_pharmacy_and_name_it_to_others()
    {
        var received = PrescriptionLifecycle.Decide(Registered, Pharmacy, Receive, Today).OrThrow().Next!;
        var refusal = PrescriptionLifecycle.Decide(received, OtherPharmacy, Receive, Today).Refusal!;

        Assert.That(received.Holder, Is.EqualTo(Pharmacy.AsParty));
        Assert.That(refusal.Extensions["holder"], Is.EqualTo(new Dictionary<string, string?> { ["name"] = "Pharmacy", ["institutionCode"] = "1341234567" }));
    }

    [Test]
    public void Should_set_the_next_use_window_from_the_dispensing()
    {
        var next = PrescriptionLifecycle.Decide(HeldFirstUseOfRefill, Pharmacy, Final, Today).Next!;

        Assert.That((next.UsesDone, next.Holder, next.NextDueOn, next.Window), Is.EqualTo((1, (Party?)null, (DateOnly?)new DateOnly(2026, 12, 24),
            new RefillWindow(new(2026, 12, 17), new(2026, 12, 31)))));
        Assert.That(next.ValidThrough, Is.EqualTo(new DateOnly(2026, 12, 31)));
    }

    [Test]
    public void Should_answer_an_early_refill_with_its_window()
    {
        var refusal = PrescriptionLifecycle.Decide(Awaiting, Pharmacy, Receive, Today).Refusal!;

        Assert.That(refusal.Extensions["window"], Is.EqualTo(new Dictionary<string, string> { ["from"] = "2026-12-13", ["to"] = "2026-12-27" }));
    }

    [Test]
    public void Should_not_let_a_notebook_app_act()
    {
        foreach (var action in new[] { Receive, Return, Final, Cancel })
            Assert.That(PrescriptionLifecycle.Decide(Registered, NotebookApp, action, Today).Refusal?.Code,
                Is.AnyOf(ErrorCodes.Forbidden, ErrorCodes.PrescriptionNotFound), action.GetType().Name);
    }
}
