using System.Globalization;
using EPrescription.Formats.Layout;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Values;

namespace EPrescription.Formats.Prescriptions;

/// <summary>
/// Gives a prescription document its meaning. It expects a document that <see cref="Validation.JahisValidator"/> accepted:
/// an absent optional record or field simply stays null, while a missing required record or an unreadable number or date
/// throws <see cref="JahisFormatException"/> naming the line, record and field (never the value), because guessing would hand
/// a pharmacy a wrong prescription. Fields are read without surrounding blanks, as the validator reads them.
/// </summary>
public static class PrescriptionReader
{
    public static Prescription Read(JahisDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Format != JahisFormat.Prescription)
            throw new ArgumentException($"The document is a JAHIS {document.Format} document, not a prescription (JAHIS5 … JAHIS10).", nameof(document));

        var institution = Required(document, "1");
        var address = document.First("2");
        var phone = document.First("3");
        var doctor = Required(document, "5");
        var name = Required(document, "11");
        var insuranceCard = Required(document, "23");
        var rates = document.First("24");

        return new Prescription
        {
            Version = document.Version,
            Institution = new Institution
            {
                CodeKind = institution.Value(1),
                Code = institution.Value(2),
                Prefecture = institution.Value(3),
                Name = institution.OptionalValue(4),
                PostalCode = address?.OptionalValue(1),
                Address = address?.OptionalValue(2),
                Phone = phone?.OptionalValue(1),
                Fax = phone?.OptionalValue(2),
                OtherContact = phone?.OptionalValue(3),
            },
            Department = document.First("4") is { } department
                ? new Department(department.Value(1), department.OptionalValue(2), department.Value(3))
                : null,
            Doctor = new Prescriber(doctor.OptionalValue(1), doctor.OptionalValue(2), doctor.Value(3)),
            Patient = new Patient
            {
                Code = name.OptionalValue(1),
                Name = name.OptionalValue(2),
                KanaName = name.OptionalValue(3),
                Sex = Required(document, "12").Value(1),
                BirthDate = Date(Required(document, "13"), 1, allowPartial: true),
                CopayClass = document.First("14")?.OptionalValue(1),
            },
            Insurance = new Insurance
            {
                Kind = document.First("21")?.OptionalValue(1),
                InsurerNumber = document.First("22")?.OptionalValue(1),
                CardSymbol = insuranceCard.OptionalValue(1),
                CardNumber = insuranceCard.OptionalValue(2),
                InsuredRelation = insuranceCard.Value(3),
                BranchNumber = insuranceCard.OptionalValue(4),
                CopayRate = rates is null ? null : OptionalNumber(rates, 1),
                BenefitRate = rates is null ? null : OptionalNumber(rates, 2),
                WorkRelated = document.First("25")?.OptionalValue(1),
            },
            PublicFunds = [.. new[] { "27", "28", "29" }
                .Select((number, index) => (Record: document.First(number), Order: index + 1))
                .Where(f => f.Record is not null)
                .Select(f => new PublicFund(f.Order, f.Record!.Value(1), f.Record.OptionalValue(2)))],
            SpecialPublicFund = document.First("30") is { } special ? new SpecialPublicFund(special.Value(1), special.OptionalValue(2)) : null,
            ClaimType = document.First("31")?.OptionalValue(1),
            IssueDate = Date(Required(document, "51"), 1, allowPartial: false).ToDateOnly(),
            ExpiryDate = document.First("52") is { } expiry ? Date(expiry, 1, allowPartial: false).ToDateOnly() : null,
            Narcotics = document.First("61") is { } narcotics
                ? new Narcotics(narcotics.OptionalValue(1), narcotics.Value(2), narcotics.Value(3))
                : null,
            LeftoverCheck = document.First("62")?.OptionalValue(1),
            SplitInstruction = document.First("63") is { } split ? new SplitInstruction(Number(split, 1), Number(split, 2)) : null,
            RefillTotalUses = document.First("64") is { } refill ? Number(refill, 1) : null,
            Remarks = [.. document.All("81").Select(r => new Remark(Number(r, 1), r.OptionalValue(2), r.Value(3)))],
            PrescriptionNumber = document.First("82") is { } number ? new PrescriptionNumber(number.Value(1), number.Value(2)) : null,
            Rps = [.. GroupBy(document.Body, "101").Select(ReadRp)],
        };
    }

    private static Rp ReadRp(IReadOnlyList<JahisRecord> records)
    {
        var opener = records[0];
        var directions = records.FirstOrDefault(r => r.Number == "111")
            ?? throw new JahisFormatException(opener.Line, opener.Number, null, "the RP has no record 111 (用法, directions), which is required");
        return new Rp
        {
            Number = Number(opener, 1),
            DosageFormClass = opener.Value(2),
            DosageFormName = opener.OptionalValue(3),
            Quantity = Number(opener, 4),
            SplitQuantity = records.FirstOrDefault(r => r.Number == "102") is { } split
                ? new SplitQuantity(Number(split, 2), Number(split, 3))
                : null,
            Directions = new Directions(directions.Value(2), directions.OptionalValue(3), directions.Value(4), OptionalNumber(directions, 5)),
            Supplements = [.. records.Where(r => r.Number == "181").Select(r =>
                new DirectionsSupplement(Number(r, 2), r.OptionalValue(3), r.Value(4), r.OptionalValue(5), r.OptionalValue(6)))],
            Drugs = [.. GroupBy(records, "201").Select(ReadDrug)],
        };
    }

    private static PrescribedDrug ReadDrug(IReadOnlyList<JahisRecord> records)
    {
        var drug = records[0];
        return new PrescribedDrug
        {
            Sequence = Number(drug, 2),
            InformationKind = drug.OptionalValue(3),
            CodeKind = drug.Value(4),
            Code = drug.OptionalValue(5),
            Name = drug.OptionalValue(6),
            Dose = drug.Value(7),
            PotencyFlag = drug.Value(8),
            Unit = drug.Value(9),
            UnitConversionFactor = records.FirstOrDefault(r => r.Number == "211")?.OptionalValue(3),
            UnevenDoses = records.FirstOrDefault(r => r.Number == "221") is { } uneven ? ReadUnevenDoses(uneven) : [],
            FundBurden = records.FirstOrDefault(r => r.Number == "231") is { } burden
                ? new FundBurden(burden.OptionalValue(3), burden.OptionalValue(4), burden.OptionalValue(5), burden.OptionalValue(6))
                : null,
            SingleDose = records.FirstOrDefault(r => r.Number == "241") is { } single
                ? new SingleDose(single.Value(3), OptionalNumber(single, 4))
                : null,
            Supplements = [.. records.Where(r => r.Number == "281").Select(r =>
                new DrugSupplement(Number(r, 3), r.OptionalValue(4), r.Value(5), r.OptionalValue(6)))],
        };
    }

    /// <summary>Fields 3–7 are the 1st … 5th doses and 8–12 their codes; the list ends at the last dose given.</summary>
    private static IReadOnlyList<UnevenDose> ReadUnevenDoses(JahisRecord record)
    {
        var doses = Enumerable.Range(0, PrescriptionWriter.UnevenDoseSlots)
            .Select(i => new UnevenDose(record.Value(3 + i), record.OptionalValue(3 + PrescriptionWriter.UnevenDoseSlots + i)))
            .ToList();
        var count = doses.FindLastIndex(d => d.Dose.Length > 0 || d.Code is not null) + 1;
        return doses.Take(count).ToList();
    }

    /// <summary>Splits records into groups that each start with an <paramref name="opener"/>; records before the first are not in any.</summary>
    internal static IEnumerable<IReadOnlyList<JahisRecord>> GroupBy(IEnumerable<JahisRecord> records, string opener)
    {
        List<JahisRecord>? group = null;
        foreach (var record in records)
        {
            if (record.Number == opener)
            {
                if (group is not null) yield return group;
                group = [record];
            }
            else
            {
                group?.Add(record);
            }
        }
        if (group is not null) yield return group;
    }

    private static JahisRecord Required(JahisDocument document, string number) =>
        document.First(number) ?? throw new JahisFormatException(1, null, null,
            $"the prescription has no record {Layouts.Prescription.Find(number)}, which is required");

    private static int Number(JahisRecord record, int position) =>
        int.TryParse(record.Value(position), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new JahisFormatException(record.Line, record.Number, position, "is not a whole number of at most 9 digits");

    private static int? OptionalNumber(JahisRecord record, int position) =>
        record.OptionalValue(position) is null ? null : Number(record, position);

    // The date parser's own message quotes the value, so the exception states the rule instead.
    private static JahisDate Date(JahisRecord record, int position, bool allowPartial) =>
        JahisDate.TryParse(record.Value(position), EraStyle.Digit, allowPartial, out var date, out _)
            ? date
            : throw new JahisFormatException(record.Line, record.Number, position, allowPartial
                ? "is not a date: YYYYMMDD, YYYYMM, YYYY or an era date GYYMMDD, GYYMM, GYY"
                : "is not a complete date: YYYYMMDD or an era date GYYMMDD");
}
