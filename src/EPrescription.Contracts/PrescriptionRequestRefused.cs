namespace EPrescription.Contracts;

/// <summary>
/// Reply to any prescription command that was refused: the stable error code of the HTTP API (e.g. WITH_ANOTHER_PHARMACY),
/// a detail a person can act on, and where the code calls for them, the document errors and further members as JSON.
/// </summary>
public sealed record PrescriptionRequestRefused(
    Guid CorrelationId,
    string Code,
    string Detail,
    string? Errors,
    string? Extensions);
