using System.Text.Json.Serialization;

namespace EPrescription.Server.MedicationChecks;

/// <summary>What the patient agreed to be shown (同意): nothing, by their card (マイナ保険証 etc.) or verbally (口頭同意).</summary>
public enum MedicationConsent
{
    None,
    Card,
    Verbal,
}

public static class MedicationConsents
{
    /// <summary>The request's <c>consent</c>: absent or empty is none; "card" or "verbal" (any letter case); anything else is refused.</summary>
    public static bool TryParse(string? value, out MedicationConsent consent)
    {
        consent = MedicationConsent.None;
        if (string.IsNullOrWhiteSpace(value)) return true;
        switch (value.Trim().ToLowerInvariant())
        {
            case "card": consent = MedicationConsent.Card; return true;
            case "verbal": consent = MedicationConsent.Verbal; return true;
            default: return false;
        }
    }

    /// <summary>The name recorded in the audit and answered: none, card, verbal.</summary>
    public static string Name(this MedicationConsent consent) => consent switch
    {
        MedicationConsent.Card => "card",
        MedicationConsent.Verbal => "verbal",
        _ => "none",
    };
}

/// <summary>
/// One duplicate (an entry of <c>duplicateMedication</c>): drug <see cref="Drug"/> of RP <see cref="Rp"/> of the checked
/// document has the same ingredient by the same route as something the patient takes until <see cref="TakingUntil"/>.
/// Without consent, <see cref="DrugName"/>, <see cref="DrugCode"/>, <see cref="Institution"/>, <see cref="Pharmacy"/> and
/// <see cref="Date"/> are null, so nothing names the other drug or institution.
/// </summary>
/// <param name="Ingredient">The checked drug's 7-character ingredient code, its レセ電 or HOT code, or its normalised name.</param>
/// <param name="Route">internal, as-needed, external or injection.</param>
/// <param name="Source">prescription (registered or received, not yet dispensed) or dispensing.</param>
/// <param name="SameInstitution">Whether it was prescribed by the institution that issued the checked prescription.</param>
/// <param name="Institution">The prescribing institution (with consent).</param>
/// <param name="Pharmacy">The dispensing pharmacy, for a dispensing (with consent).</param>
/// <param name="Date">The prescribing or dispensing date (with consent).</param>
/// <remarks>
/// This record is also the answer's JSON (SPEC §10, issue 13): <c>rp, drug, ingredient, route, takingUntil, source,
/// sameInstitution</c>, and with consent <c>drugName, drugCode, institution {code, name}, date</c>; absent values are left
/// out rather than written as null. <see cref="Pharmacy"/> is not part of the v1 answer.
/// </remarks>
public sealed record DuplicateMedication(
    int Rp,
    int Drug,
    string Ingredient,
    string Route,
    DateOnly TakingUntil,
    string Source,
    bool SameInstitution,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DrugName = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DrugCode = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MedicationInstitution? Institution = null,
    [property: JsonIgnore] MedicationInstitution? Pharmacy = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateOnly? Date = null);

/// <summary>
/// The duplicate-medication check (重複投薬チェック) as a pure function: which checked drugs the patient already takes, same
/// ingredient (<see cref="Ingredient.IsSameAs"/>) by the same route.
/// </summary>
public static class DuplicateCheck
{
    /// <summary>
    /// The duplicates of <paramref name="checkedDrugs"/> among <paramref name="taking"/>. A line counts when it is taken on
    /// <paramref name="today"/> (a Japan date) and has not ended (dispensed or cancelled prescription); the lines of
    /// <paramref name="excludePrescriptionId"/> (the prescription being checked, its earlier parts and refill uses included)
    /// never count. A prescription's lines are one course of treatment: per checked drug it gives one entry, from its line
    /// taken longest (a dispensing before the prescription itself when they end on the same day). Entries are ordered by RP,
    /// drug, then the longest taken first.
    /// </summary>
    public static IReadOnlyList<DuplicateMedication> Find(
        IReadOnlyList<CheckedDrug> checkedDrugs,
        IEnumerable<MedicationLine> taking,
        DateOnly today,
        string? excludePrescriptionId,
        MedicationConsent consent,
        string? checkedInstitutionCode)
    {
        var counting = taking.Where(l => l.CountsOn(today) && l.PrescriptionId != excludePrescriptionId).ToList();
        if (counting.Count == 0) return [];
        var result = new List<DuplicateMedication>();
        foreach (var drug in checkedDrugs.OrderBy(d => d.Rp).ThenBy(d => d.Drug))
        {
            var matches = counting
                .Where(l => l.Route == drug.Route && drug.Ingredient.IsSameAs(l.Ingredient))
                .GroupBy(l => l.PrescriptionId, StringComparer.Ordinal)
                .Select(course => course
                    .OrderByDescending(l => l.TakingUntil)
                    .ThenBy(l => l.Source == MedicationSource.Dispensing ? 0 : 1)
                    .ThenByDescending(l => l.Date)
                    .First())
                .OrderByDescending(l => l.TakingUntil)
                .ThenBy(l => l.Date);
            result.AddRange(matches.Select(line => Entry(drug, line, consent, checkedInstitutionCode)));
        }
        return result;
    }

    private static DuplicateMedication Entry(CheckedDrug drug, MedicationLine line, MedicationConsent consent, string? checkedInstitutionCode)
    {
        var entry = new DuplicateMedication(
            drug.Rp,
            drug.Drug,
            drug.Ingredient.Key,
            drug.Route.Name(),
            line.TakingUntil,
            line.Source == MedicationSource.Dispensing ? "dispensing" : "prescription",
            checkedInstitutionCode is not null && line.Institution?.Code == checkedInstitutionCode);
        return consent == MedicationConsent.None
            ? entry
            : entry with { DrugName = line.DrugName, DrugCode = line.DrugCode, Institution = line.Institution, Pharmacy = line.Pharmacy, Date = line.Date };
    }
}
