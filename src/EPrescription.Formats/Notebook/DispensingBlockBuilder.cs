using System.Text;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Values;

namespace EPrescription.Formats.Notebook;

/// <summary>What a pharmacy dispensed for a prescription (調剤), to be recorded in the patient's notebook.</summary>
public sealed record Dispensing
{
    /// <summary>調剤年月日.</summary>
    public required DateOnly Date { get; init; }
    public required DispensingPharmacy Pharmacy { get; init; }
    /// <summary>調剤した薬剤師の氏名.</summary>
    public required string PharmacistName { get; init; }
    public string? PharmacistContact { get; init; }
    /// <summary>Drugs dispensed other than as prescribed (e.g. a generic-name prescription filled with a brand); any other drug is dispensed as prescribed.</summary>
    public IReadOnlyList<DispensedDrug> Substitutions { get; init; } = [];
}

/// <summary>The dispensing pharmacy (調剤薬局); its 点数表 is always 4 調剤.</summary>
/// <param name="Prefecture">都道府県コード, 01 … 47.</param>
/// <param name="Code">The pharmacy's 7-digit claims code.</param>
public sealed record DispensingPharmacy(string Name, string Prefecture, string Code, string? PostalCode = null, string? Address = null, string? Phone = null);

/// <summary>The drug dispensed for prescribed drug <paramref name="Sequence"/> of RP <paramref name="RpNumber"/>.</summary>
/// <param name="CodeKind">Notebook 薬品コード種別: 1 none, 2 レセ電, 3 厚労省, 4 YJ, 6 HOT.</param>
/// <param name="Dose">用量 when it differs from the prescribed one (in the notebook's sense, see <see cref="DispensingBlockBuilder"/>).</param>
public sealed record DispensedDrug(int RpNumber, int Sequence, string Name, string CodeKind, string? Code, string? Dose = null, string? Unit = null);

/// <summary>
/// Builds the notebook's record of a dispensing from the prescription it filled (JAHIS.md §4.5): the numbers of the two
/// formats differ for dosage forms, quantities and drug codes, and this is the one place that maps them.
/// </summary>
public static class DispensingBlockBuilder
{
    /// <summary>レコード作成者 1: written by a healthcare professional.</summary>
    private const string Professional = "1";
    private const string PharmacyScoreTable = "4";

    /// <summary>A JAHISTC08 document from pharmacy to patient (出力区分 1) holding the patient and this one dispensing.</summary>
    public static NotebookDocument BuildNotebook(Prescription prescription, Dispensing dispensing)
    {
        ArgumentNullException.ThrowIfNull(prescription);
        var patient = prescription.Patient;
        return new NotebookDocument
        {
            Version = 8,
            OutputKind = "1",
            Patient = new NotebookPatient
            {
                Name = patient.Name ?? patient.KanaName ?? "",
                Sex = patient.Sex,
                // A prescription may carry a partial birth date (YYYYMM); the notebook wants a full one and will say so on validation.
                BirthDate = new JahisDateText(patient.BirthDate.ToString()),
                // The notebook's kana name is type N; NFKC turns the prescription's half-width katakana into the full-width the samples use.
                KanaName = patient.KanaName?.Normalize(NormalizationForm.FormKC),
            },
            DispensingBlocks = [Build(prescription, dispensing)],
        };
    }

    public static DispensingBlock Build(Prescription prescription, Dispensing dispensing)
    {
        ArgumentNullException.ThrowIfNull(prescription);
        ArgumentNullException.ThrowIfNull(dispensing);
        var institution = prescription.Institution;
        var pharmacy = dispensing.Pharmacy;
        return new DispensingBlock
        {
            Date = JahisDateText.From(dispensing.Date),
            Creator = Professional,
            DispensingInstitution = new DispensingInstitution(pharmacy.Name, pharmacy.Prefecture, PharmacyScoreTable, pharmacy.Code,
                pharmacy.PostalCode, pharmacy.Address, pharmacy.Phone, Professional),
            Dispenser = new Dispenser(dispensing.PharmacistName, dispensing.PharmacistContact, Professional),
            // ⚠ The notebook's 51 knows 点数表 1 医科 and 3 歯科 only: the prescription's 6 (訪問) and an empty kind become 1.
            PrescribingInstitution = new PrescribingInstitution(institution.Name ?? "", institution.Prefecture,
                institution.CodeKind == "3" ? "3" : "1", institution.Code, Professional),
            PrescribingDoctors =
            [
                new PrescribingDoctor
                {
                    Name = prescription.Doctor.Name,
                    Department = prescription.Department?.Name,
                    Creator = Professional,
                    Rps = [.. prescription.Rps.Select(rp => BuildRp(rp, dispensing.Substitutions))],
                },
            ],
        };
    }

    private static NotebookRp BuildRp(Rp rp, IReadOnlyList<DispensedDrug> substitutions)
    {
        var form = DosageForm(rp.DosageFormClass);
        return new NotebookRp
        {
            Number = rp.Number,
            Drugs = [.. rp.Drugs.Select(drug => BuildDrug(rp, form, drug,
                substitutions.FirstOrDefault(s => s.RpNumber == rp.Number && s.Sequence == drug.Sequence)))],
            Directions = new NotebookDirections
            {
                Name = rp.Directions.Name,
                Quantity = form.CarriesQuantity ? rp.Quantity : 1,
                Unit = form.Unit,
                DosageFormCode = form.Code,
                // The notebook knows JAMI codes (2) and no code (1); other prescription code kinds are not JAMI, so their code is dropped.
                CodeKind = rp.Directions.CodeKind == "2" ? "2" : "1",
                Code = rp.Directions.CodeKind == "2" ? rp.Directions.Code : null,
                Creator = Professional,
            },
            DirectionsSupplements = [.. rp.Supplements.Select(s => new NotebookEntry(s.Text, Professional))],
        };
    }

    private static NotebookDrug BuildDrug(Rp rp, NotebookDosageForm form, PrescribedDrug drug, DispensedDrug? dispensed)
    {
        // 一般名コード (7) has no place among the notebook's drug codes: the generic name and its code go to fields 8–10,
        // and the drug itself is the product dispensed, named as dispensed.
        var byGenericName = drug.CodeKind == "7";
        var (codeKind, code) = dispensed is not null ? (dispensed.CodeKind, dispensed.Code)
            : byGenericName || drug.CodeKind is not ("1" or "2" or "3" or "4" or "6") ? ("1", null)
            : (drug.CodeKind, drug.Code);
        return new NotebookDrug
        {
            Name = dispensed?.Name ?? drug.Name ?? drug.Code ?? "",
            Dose = dispensed?.Dose ?? Dose(rp, form, drug),
            Unit = dispensed?.Unit ?? drug.Unit,
            CodeKind = codeKind,
            Code = codeKind == "1" ? null : code,
            Creator = Professional,
            GenericName = byGenericName ? drug.Name : null,
            GenericNameCodeKind = byGenericName ? (drug.Code is null ? "1" : "2") : null,
            GenericNameCode = byGenericName ? drug.Code : null,
            Supplements = [.. drug.Supplements.Select(s => new NotebookEntry(s.Text, Professional))],
        };
    }

    /// <summary>
    /// 用量: the notebook wants the daily dose for 内服, the single dose for 屯服 and the total for everything else.
    /// ⚠ The prescription's dose for 外用 and the like is per day (or per use) times its 調剤数量, or already the total when
    /// 調剤数量 is 1, so dose × 調剤数量 gives the total in both cases.
    /// </summary>
    private static string Dose(Rp rp, NotebookDosageForm form, PrescribedDrug drug) =>
        form.CarriesQuantity || !Quantity.TryParse(drug.Dose, out var dose) ? drug.Dose : Quantity.Format(dose * rp.Quantity);

    /// <summary>
    /// 剤形 (JAHIS.md §4.5, ⚠ the mapping is the reference's own reading): the two formats number dosage forms differently.
    /// 内服 counts days (日分) and 頓服 doses (回分); every other form is one dispensing (1 調剤) with total doses.
    /// </summary>
    private static NotebookDosageForm DosageForm(string prescriptionClass) => prescriptionClass switch
    {
        "1" => new("1", "日分", CarriesQuantity: true),
        "2" => new("3", "回分", CarriesQuantity: true),
        "3" => new("5", "調剤", CarriesQuantity: false),
        "4" => new("2", "調剤", CarriesQuantity: false),
        "5" => new("4", "調剤", CarriesQuantity: false),
        "6" => new("9", "調剤", CarriesQuantity: false),
        _ => new("10", "調剤", CarriesQuantity: false),
    };

    /// <param name="CarriesQuantity">True when 調剤数量 carries over (days or doses) and doses stay as prescribed.</param>
    private sealed record NotebookDosageForm(string Code, string Unit, bool CarriesQuantity);
}
