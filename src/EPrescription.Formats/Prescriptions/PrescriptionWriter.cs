using System.Globalization;
using EPrescription.Formats.Layout;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Writing;

namespace EPrescription.Formats.Prescriptions;

/// <summary>
/// Turns a typed prescription back into JAHIS records, in the order JAHIS prescribes (records 1 … 82, then per RP
/// 101 102 111 181 and per drug 201 211 221 231 241 281), every record with all of its layout's fields.
/// Dates are written as YYYYMMDD.
/// </summary>
public static class PrescriptionWriter
{
    /// <summary>Record 221 carries up to five doses, then their five codes.</summary>
    internal const int UnevenDoseSlots = 5;

    public static JahisDocument ToDocument(Prescription prescription)
    {
        ArgumentNullException.ThrowIfNull(prescription);
        var records = new List<JahisRecord> { new($"JAHIS{prescription.Version.ToString(CultureInfo.InvariantCulture)}") };
        void Add(string number, params string?[] fields) =>
            records.Add(LayoutRecord.Create(Layouts.Prescription, prescription.Version, number, fields));

        var institution = prescription.Institution;
        Add("1", institution.CodeKind, institution.Code, institution.Prefecture, institution.Name);
        if (institution.PostalCode is not null || institution.Address is not null) Add("2", institution.PostalCode, institution.Address);
        if (institution.Phone is not null || institution.Fax is not null || institution.OtherContact is not null)
            Add("3", institution.Phone, institution.Fax, institution.OtherContact);
        if (prescription.Department is { } department) Add("4", department.CodeKind, department.Code, department.Name);
        Add("5", prescription.Doctor.Code, prescription.Doctor.KanaName, prescription.Doctor.Name);

        var patient = prescription.Patient;
        Add("11", patient.Code, patient.Name, patient.KanaName);
        Add("12", patient.Sex);
        Add("13", patient.BirthDate.ToString());
        if (patient.CopayClass is not null) Add("14", patient.CopayClass);

        var insurance = prescription.Insurance;
        if (insurance.Kind is not null) Add("21", insurance.Kind);
        Add("22", insurance.InsurerNumber);
        Add("23", insurance.CardSymbol, insurance.CardNumber, insurance.InsuredRelation, insurance.BranchNumber);
        if (insurance.CopayRate is not null || insurance.BenefitRate is not null) Add("24", Text(insurance.CopayRate), Text(insurance.BenefitRate));
        if (insurance.WorkRelated is not null) Add("25", insurance.WorkRelated);
        foreach (var fund in prescription.PublicFunds.OrderBy(f => f.Order))
        {
            Add(fund.Order switch
            {
                1 => "27",
                2 => "28",
                3 => "29",
                _ => throw new ArgumentException($"A public fund's order is 1, 2 or 3, not {fund.Order}.", nameof(prescription)),
            }, fund.PayerNumber, fund.RecipientNumber);
        }
        if (prescription.SpecialPublicFund is { } special) Add("30", special.PayerNumber, special.RecipientNumber);
        if (prescription.ClaimType is not null) Add("31", prescription.ClaimType);

        Add("51", Text(prescription.IssueDate));
        if (prescription.ExpiryDate is { } expiry) Add("52", Text(expiry));
        if (prescription.Narcotics is { } narcotics) Add("61", narcotics.LicenseNumber, narcotics.PatientAddress, narcotics.PatientPhone);
        if (prescription.LeftoverCheck is not null) Add("62", prescription.LeftoverCheck);
        if (prescription.SplitInstruction is { } split) Add("63", Text(split.SplitCount), Text(split.SplitIndex));
        if (prescription.RefillTotalUses is { } uses) Add("64", Text(uses));
        foreach (var remark in prescription.Remarks) Add("81", Text(remark.Sequence), remark.Kind, remark.Text);
        if (prescription.PrescriptionNumber is { } number) Add("82", number.Kind, number.Number);

        foreach (var rp in prescription.Rps)
        {
            var rpNumber = Text(rp.Number);
            Add("101", rpNumber, rp.DosageFormClass, rp.DosageFormName, Text(rp.Quantity));
            if (rp.SplitQuantity is { } splitQuantity) Add("102", rpNumber, Text(splitQuantity.QuantityPerSplit), Text(splitQuantity.TotalQuantity));
            Add("111", rpNumber, rp.Directions.CodeKind, rp.Directions.Code, rp.Directions.Name, Text(rp.Directions.TimesPerDay));
            foreach (var supplement in rp.Supplements)
                Add("181", rpNumber, Text(supplement.Sequence), supplement.Kind, supplement.Text, supplement.SupplementaryDirectionsCode, supplement.SiteCode);

            foreach (var drug in rp.Drugs)
            {
                var sequence = Text(drug.Sequence);
                Add("201", rpNumber, sequence, drug.InformationKind, drug.CodeKind, drug.Code, drug.Name, drug.Dose, drug.PotencyFlag, drug.Unit);
                if (drug.UnitConversionFactor is not null) Add("211", rpNumber, sequence, drug.UnitConversionFactor);
                if (drug.UnevenDoses.Count > 0)
                {
                    if (drug.UnevenDoses.Count > UnevenDoseSlots)
                        throw new ArgumentException($"RP {rp.Number} drug {drug.Sequence} has {drug.UnevenDoses.Count} uneven doses; record 221 holds {UnevenDoseSlots}.", nameof(prescription));
                    var fields = new string?[2 + 2 * UnevenDoseSlots];
                    fields[0] = rpNumber;
                    fields[1] = sequence;
                    for (var i = 0; i < drug.UnevenDoses.Count; i++)
                    {
                        fields[2 + i] = drug.UnevenDoses[i].Dose;
                        fields[2 + UnevenDoseSlots + i] = drug.UnevenDoses[i].Code;
                    }
                    Add("221", fields);
                }
                if (drug.FundBurden is { } burden) Add("231", rpNumber, sequence, burden.First, burden.Second, burden.Third, burden.Special);
                if (drug.SingleDose is { } single) Add("241", rpNumber, sequence, single.Dose, Text(single.TimesPerDay));
                foreach (var supplement in drug.Supplements)
                    Add("281", rpNumber, sequence, Text(supplement.Sequence), supplement.Kind, supplement.Text, supplement.SupplementaryDirectionsCode);
            }
        }

        return new JahisDocument(JahisFormat.Prescription, prescription.Version, records);
    }

    private static string? Text(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string Text(DateOnly date) => date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
}
