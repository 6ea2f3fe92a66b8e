using System.Text.Json.Serialization;

namespace EPrescription.Server.MedicationChecks;

/// <summary>Where a line the patient takes comes from.</summary>
public enum MedicationSource
{
    /// <summary>A registered or received prescription not yet dispensed: it counts until it expires.</summary>
    Prescription,
    /// <summary>A dispensing (a part or a refill use included): it counts from its date through its supply days.</summary>
    Dispensing,
}

/// <summary>An institution as the check shows it with consent: its 10-digit code (prefecture, 点数表, code) and name.</summary>
public sealed record MedicationInstitution(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name);

/// <summary>
/// One drug of the document being checked: its place (RP番号 and the drug's 1-based position in that RP, as the document
/// orders them), what it is and how it is taken.
/// </summary>
public sealed record CheckedDrug(int Rp, int Drug, Ingredient Ingredient, MedicationRoute Route);

/// <summary>
/// One drug line the patient takes or is about to take, as stored in the medications table: written when a prescription is
/// registered and when a dispensing is recorded, so that a check reads these rows and never parses a stored document.
/// </summary>
public sealed record MedicationLine
{
    public required MedicationSource Source { get; init; }
    /// <summary>The prescription's id (source prescription) or the dispensing's id (source dispensing).</summary>
    public required string SourceId { get; init; }
    /// <summary>1-based number of the line within its source.</summary>
    public required int LineNumber { get; init; }
    /// <summary>The prescription the line belongs to, also for a dispensing: the check leaves out the one being checked.</summary>
    public required string PrescriptionId { get; init; }
    public required int Rp { get; init; }
    public required int Drug { get; init; }
    public required Ingredient Ingredient { get; init; }
    public required MedicationRoute Route { get; init; }
    /// <summary>The first day the patient takes it (Japan date): the issue date, or the dispensing date.</summary>
    public required DateOnly TakingFrom { get; init; }
    /// <summary>The last day it counts (Japan date): the prescription's last valid date, or the dispensing's last supply day.</summary>
    public required DateOnly TakingUntil { get; init; }
    /// <summary>The prescribing date (source prescription) or the dispensing date (source dispensing), shown with consent.</summary>
    public required DateOnly Date { get; init; }
    public string? DrugName { get; init; }
    public string? DrugCode { get; init; }
    /// <summary>The prescribing institution.</summary>
    public MedicationInstitution? Institution { get; init; }
    /// <summary>The dispensing pharmacy (source dispensing only).</summary>
    public MedicationInstitution? Pharmacy { get; init; }
    /// <summary>When a prescription's lines stopped counting (dispensed, cancelled), UTC; null while they count.</summary>
    public DateTime? EndedAt { get; init; }

    /// <summary>Whether the patient is taking it on <paramref name="today"/> (a Japan date).</summary>
    public bool CountsOn(DateOnly today) => EndedAt is null && TakingUntil >= today;

    public CheckedDrug ToChecked() => new(Rp, Drug, Ingredient, Route);
}
