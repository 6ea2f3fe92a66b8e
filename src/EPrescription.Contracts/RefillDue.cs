namespace EPrescription.Contracts;

/// <summary>
/// Event: a refill prescription's next use (リフィル, use <paramref name="Use"/>) may be received from today: its window of
/// <paramref name="WindowFrom"/> through <paramref name="WindowTo"/> (Japan dates, due date ± 7 days) has opened.
/// </summary>
public sealed record RefillDue(
    Guid MessageId,
    Guid CorrelationId,
    string PrescriptionId,
    int Use,
    DateOnly NextDueOn,
    DateOnly WindowFrom,
    DateOnly WindowTo,
    DateTime At);
