namespace EPrescription.Contracts;

/// <summary>Reply to a command that moved a prescription without further content (a return).</summary>
public sealed record PrescriptionStatusChanged(
    Guid CorrelationId,
    string PrescriptionId,
    string Status,
    DateTime ChangedAt);
