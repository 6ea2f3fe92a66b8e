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
