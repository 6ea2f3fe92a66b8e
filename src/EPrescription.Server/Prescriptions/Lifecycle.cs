namespace EPrescription.Server.Prescriptions;

/// <summary>Where a prescription stands.</summary>
public enum PrescriptionStatus
{
    /// <summary>未受付: registered, waiting for a pharmacy.</summary>
    Registered,
    /// <summary>調剤中: received by one pharmacy, which holds it until it dispenses or returns it.</summary>
    Received,
    /// <summary>次回調剤待ち: a refill prescription between uses, released for any pharmacy within its next window.</summary>
    AwaitingRefill,
    /// <summary>調剤済: dispensed.</summary>
    Dispensed,
    /// <summary>取消: cancelled by the issuing clinic.</summary>
    Cancelled,
    /// <summary>Past its last valid date without being dispensed.</summary>
    Expired,
}

/// <summary>What can happen to a prescription.</summary>
public enum PrescriptionAction
{
    Receive,
    Return,
    Dispense,
    Cancel,
    Expire,
}

/// <summary>
/// The state machine, as data: every transition of every prescription goes through <see cref="Next"/>, which also says,
/// with the stable error code of SPEC §4, why an action is refused in a given state.
/// </summary>
public static class Lifecycle
{
    private static readonly Dictionary<(PrescriptionStatus, PrescriptionAction), PrescriptionStatus> Transitions = new()
    {
        [(PrescriptionStatus.Registered, PrescriptionAction.Receive)] = PrescriptionStatus.Received,
        [(PrescriptionStatus.Received, PrescriptionAction.Return)] = PrescriptionStatus.Registered,
        [(PrescriptionStatus.Received, PrescriptionAction.Dispense)] = PrescriptionStatus.Dispensed,
        [(PrescriptionStatus.Registered, PrescriptionAction.Cancel)] = PrescriptionStatus.Cancelled,
        [(PrescriptionStatus.Registered, PrescriptionAction.Expire)] = PrescriptionStatus.Expired,
        [(PrescriptionStatus.Received, PrescriptionAction.Expire)] = PrescriptionStatus.Expired,
    };

    public static bool CanApply(PrescriptionStatus status, PrescriptionAction action) => Transitions.ContainsKey((status, action));

    /// <summary>The status after the action, or a <see cref="DomainException"/> saying why the action is refused now.</summary>
    public static PrescriptionStatus Next(PrescriptionStatus status, PrescriptionAction action) =>
        Transitions.TryGetValue((status, action), out var next) ? next : throw Refusal(status, action);

    private static DomainException Refusal(PrescriptionStatus status, PrescriptionAction action) => status switch
    {
        PrescriptionStatus.Dispensed => new DomainException(ErrorCodes.AlreadyDispensed, "The prescription has already been dispensed."),
        PrescriptionStatus.Cancelled => new DomainException(ErrorCodes.Cancelled, "The issuing clinic cancelled this prescription."),
        PrescriptionStatus.Expired => new DomainException(ErrorCodes.Expired, "The prescription is past its last valid date."),
        PrescriptionStatus.Received when action == PrescriptionAction.Cancel =>
            new DomainException(ErrorCodes.WithPharmacy, "A pharmacy has received the prescription; ask it to return the prescription first."),
        PrescriptionStatus.Received => new DomainException(ErrorCodes.WithAnotherPharmacy, "Another pharmacy holds this prescription."),
        _ => new DomainException(ErrorCodes.NotHeld, $"A prescription that is {status.ToString().ToLowerInvariant()} cannot be {Past(action)}."),
    };

    private static string Past(PrescriptionAction action) => action switch
    {
        PrescriptionAction.Receive => "received",
        PrescriptionAction.Return => "returned",
        PrescriptionAction.Dispense => "dispensed",
        PrescriptionAction.Cancel => "cancelled",
        _ => "expired",
    };
}
