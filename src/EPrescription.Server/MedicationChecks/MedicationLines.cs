using System.Globalization;
using System.Text;
using EPrescription.Formats.Notebook;
using EPrescription.Formats.Prescriptions;

namespace EPrescription.Server.MedicationChecks;

/// <summary>
/// The drug lines of a prescription and of a dispensing, for the medications table and for a check. Pure functions of the
/// typed documents: no database, no clock.
/// </summary>
public static class MedicationLines
{
    /// <summary>How long a dispensing that is not counted in days (頓服, 外用, 注射, 内服滴剤) counts: its date and 3 more days.</summary>
    public const int DaysWithoutSupplyDays = 4;

    /// <summary>
    /// The lines of a registered prescription: every drug of an RP with a route (not 医療材料 or 不明 RPs, not drugs whose
    /// 情報区分 is 2 医療材料), counting from the issue date through <paramref name="expiresOn"/>, its last valid date.
    /// </summary>
    public static IReadOnlyList<MedicationLine> FromPrescription(Prescription prescription, string prescriptionId, DateOnly expiresOn)
    {
        var institution = new MedicationInstitution(prescription.Institution.InstitutionNumber, prescription.Institution.Name);
        return [.. PrescribedDrugs(prescription).Select((d, i) => new MedicationLine
        {
            Source = MedicationSource.Prescription,
            SourceId = prescriptionId,
            LineNumber = i + 1,
            PrescriptionId = prescriptionId,
            Rp = d.Checked.Rp,
            Drug = d.Checked.Drug,
            Ingredient = d.Checked.Ingredient,
            Route = d.Checked.Route,
            TakingFrom = prescription.IssueDate,
            TakingUntil = expiresOn,
            Date = prescription.IssueDate,
            DrugName = d.Name,
            DrugCode = d.Code,
            Institution = institution,
        })];
    }

    /// <summary>The drugs of a prescription document as a check sees them (RP番号 and RP内連番 as the document numbers them).</summary>
    public static IReadOnlyList<CheckedDrug> ToCheck(Prescription prescription) => [.. PrescribedDrugs(prescription).Select(d => d.Checked)];

    /// <summary>
    /// The lines of a dispensing result (a JAHISTC document with one dispensing block, as Dispense accepts), counting from
    /// <paramref name="dispensedOn"/>. Route: the RP's own 剤形コード (record 301 field 5), or, when the pharmacy left it out,
    /// the 剤形区分 of the prescription's RP with the same RP番号. Supply days: 調剤数量 when its unit is 日分 (内服, 浸煎, 湯),
    /// else the prescription RP's 調剤数量 for a 内服 RP whose unit is not given, else <see cref="DaysWithoutSupplyDays"/>.
    /// The prescribing institution is the block's record 51, or the prescription's. <paramref name="prescription"/> may be
    /// null when it is not at hand; then RPs without 剤形コード are left out.
    /// </summary>
    public static IReadOnlyList<MedicationLine> FromDispensing(
        NotebookDocument dispensing, Prescription? prescription, string prescriptionId, string dispensingId, DateOnly dispensedOn)
    {
        var block = dispensing.DispensingBlocks.FirstOrDefault();
        if (block is null) return [];
        var institution = PrescribingInstitution(block, prescription);
        var pharmacy = block.DispensingInstitution is { } d ? new MedicationInstitution(Number(d.Prefecture, d.ScoreTable, d.Code), d.Name) : null;
        return [.. DispensedDrugs(block, prescription).Select((d, i) => new MedicationLine
        {
            Source = MedicationSource.Dispensing,
            SourceId = dispensingId,
            LineNumber = i + 1,
            PrescriptionId = prescriptionId,
            Rp = d.Checked.Rp,
            Drug = d.Checked.Drug,
            Ingredient = d.Checked.Ingredient,
            Route = d.Checked.Route,
            TakingFrom = dispensedOn,
            TakingUntil = dispensedOn.AddDays(d.SupplyDays - 1),
            Date = dispensedOn,
            DrugName = d.Name,
            DrugCode = d.Code,
            Institution = institution,
            Pharmacy = pharmacy,
        })];
    }

    /// <summary>The drugs of a dispensing document as a check sees them (RP番号 and the drug's position in its RP).</summary>
    public static IReadOnlyList<CheckedDrug> ToCheck(NotebookDocument dispensing, Prescription? prescription) =>
        dispensing.DispensingBlocks.FirstOrDefault() is { } block ? [.. DispensedDrugs(block, prescription).Select(d => d.Checked)] : [];

    /// <summary>
    /// The supply days of a dispensing for a refill's next use (SPEC §3): the longest of its 内服 RPs, 0 when it has none.
    /// </summary>
    public static int InternalSupplyDays(NotebookDocument dispensing, Prescription? prescription) =>
        dispensing.DispensingBlocks.FirstOrDefault() is { } block
            ? DispensedDrugs(block, prescription).Where(d => d.Checked.Route == MedicationRoute.Internal).Select(d => d.SupplyDays).DefaultIfEmpty(0).Max()
            : 0;

    private sealed record Drug(CheckedDrug Checked, string? Name, string? Code, int SupplyDays);

    private static IEnumerable<Drug> PrescribedDrugs(Prescription prescription)
    {
        foreach (var rp in prescription.Rps)
        {
            if (MedicationRoutes.OfPrescriptionForm(rp.DosageFormClass) is not { } route) continue;
            foreach (var drug in rp.Drugs)
            {
                if (drug.InformationKind == "2") continue; // 医療材料: a material, not a drug
                if (Ingredient.OfPrescribed(drug.CodeKind, drug.Code, drug.Name) is not { } ingredient) continue;
                var code = drug.CodeKind == "1" || string.IsNullOrWhiteSpace(drug.Code) ? null : drug.Code;
                yield return new Drug(new CheckedDrug(rp.Number, drug.Sequence, ingredient, route), drug.Name, code, 0);
            }
        }
    }

    private static IEnumerable<Drug> DispensedDrugs(DispensingBlock block, Prescription? prescription)
    {
        foreach (var rp in block.AllRps)
        {
            var prescribed = prescription?.Rps.FirstOrDefault(r => r.Number == rp.Number);
            var form = rp.Directions?.DosageFormCode;
            // A 剤形コード the pharmacy wrote decides, 材料/その他 included; only a missing one falls back to the prescription.
            var route = string.IsNullOrWhiteSpace(form)
                ? MedicationRoutes.OfPrescriptionForm(prescribed?.DosageFormClass)
                : MedicationRoutes.OfNotebookForm(form);
            if (route is null) continue;
            var days = SupplyDays(rp.Directions, prescribed);
            var position = 0;
            foreach (var drug in rp.Drugs)
            {
                position++;
                if (Ingredient.OfDispensed(drug.CodeKind, drug.Code, drug.GenericNameCodeKind, drug.GenericNameCode, drug.Name, drug.GenericName) is not { } ingredient) continue;
                var code = drug.CodeKind is "2" or "3" or "4" or "6" && !string.IsNullOrWhiteSpace(drug.Code) ? drug.Code
                    : drug.GenericNameCodeKind == "2" && !string.IsNullOrWhiteSpace(drug.GenericNameCode) ? drug.GenericNameCode
                    : null;
                yield return new Drug(new CheckedDrug(rp.Number, position, ingredient, route.Value), drug.Name, code, days);
            }
        }
    }

    private static int SupplyDays(NotebookDirections? directions, Rp? prescribed)
    {
        var unit = directions?.Unit?.Normalize(NormalizationForm.FormKC).Trim();
        if (directions?.Quantity is int quantity && quantity > 0)
        {
            if (unit == "日分") return quantity;
            // No unit written: the 剤形コード still says whether the quantity is days (内服, 浸煎, 湯).
            if (string.IsNullOrEmpty(unit) && directions.DosageFormCode?.Trim() is "1" or "01" or "6" or "06" or "7" or "07") return quantity;
        }
        if (string.IsNullOrEmpty(unit) && prescribed is { DosageFormClass: "1", Quantity: > 0 }) return prescribed.Quantity;
        return DaysWithoutSupplyDays;
    }

    private static MedicationInstitution? PrescribingInstitution(DispensingBlock block, Prescription? prescription)
    {
        if (block.PrescribingInstitution is { } p && Number(p.Prefecture, p.ScoreTable, p.Code) is { } number)
            return new MedicationInstitution(number, p.Name);
        if (prescription is not null)
            return new MedicationInstitution(prescription.Institution.InstitutionNumber, prescription.Institution.Name);
        return block.PrescribingInstitution is { } named ? new MedicationInstitution(null, named.Name) : null;
    }

    /// <summary>The 10-digit 医療機関番号 when all three parts are there.</summary>
    private static string? Number(string? prefecture, string? scoreTable, string? code) =>
        string.IsNullOrWhiteSpace(prefecture) || string.IsNullOrWhiteSpace(scoreTable) || string.IsNullOrWhiteSpace(code)
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{prefecture.Trim()}{scoreTable.Trim()}{code.Trim()}");
}
