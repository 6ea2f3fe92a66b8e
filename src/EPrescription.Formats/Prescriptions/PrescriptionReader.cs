using System.Globalization;
using EPrescription.Formats.Layout;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Values;

namespace EPrescription.Formats.Prescriptions;

/// <summary>
/// Gives a prescription document its meaning. It expects a document that <see cref="Validation.JahisValidator"/> accepted:
/// an absent optional record or field simply stays null, while a missing required record or an unreadable number or date
/// throws <see cref="ArgumentException"/>, because guessing would hand a pharmacy a wrong prescription.
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
                CodeKind = institution.Field(1),
                Code = institution.Field(2),
                Prefecture = institution.Field(3),
                Name = institution.OptionalField(4),
                PostalCode = address?.OptionalField(1),
                Address = address?.OptionalField(2),
                Phone = phone?.OptionalField(1),
                Fax = phone?.OptionalField(2),
                OtherContact = phone?.OptionalField(3),
            },
            Department = document.First("4") is { } department
                ? new Department(department.Field(1), department.OptionalField(2), department.Field(3))
                : null,
            Doctor = new Prescriber(doctor.OptionalField(1), doctor.OptionalField(2), doctor.Field(3)),
            Patient = new Patient
            {
                Code = name.OptionalField(1),
                Name = name.OptionalField(2),
                KanaName = name.OptionalField(3),
                Sex = Required(document, "12").Field(1),
                BirthDate = Date(Required(document, "13"), 1, allowPartial: true),
                CopayClass = document.First("14")?.OptionalField(1),
            },
            Insurance = new Insurance
            {
                Kind = document.First("21")?.OptionalField(1),
                InsurerNumber = document.First("22")?.OptionalField(1),
                CardSymbol = insuranceCard.OptionalField(1),
                CardNumber = insuranceCard.OptionalField(2),
                InsuredRelation = insuranceCard.Field(3),
                BranchNumber = insuranceCard.OptionalField(4),
                CopayRate = rates is null ? null : OptionalNumber(rates, 1),
                BenefitRate = rates is null ? null : OptionalNumber(rates, 2),
                WorkRelated = document.First("25")?.OptionalField(1),
            },
            PublicFunds = [.. new[] { "27", "28", "29" }
                .Select((number, index) => (Record: document.First(number), Order: index + 1))
                .Where(f => f.Record is not null)
                .Select(f => new PublicFund(f.Order, f.Record!.Field(1), f.Record.OptionalField(2)))],
            SpecialPublicFund = document.First("30") is { } special ? new SpecialPublicFund(special.Field(1), special.OptionalField(2)) : null,
            ClaimType = document.First("31")?.OptionalField(1),
            IssueDate = Date(Required(document, "51"), 1, allowPartial: false).ToDateOnly(),
            ExpiryDate = document.First("52") is { } expiry ? Date(expiry, 1, allowPartial: false).ToDateOnly() : null,
            Narcotics = document.First("61") is { } narcotics
                ? new Narcotics(narcotics.OptionalField(1), narcotics.Field(2), narcotics.Field(3))
                : null,
            LeftoverCheck = document.First("62")?.OptionalField(1),
            SplitInstruction = document.First("63") is { } split ? new SplitInstruction(Number(split, 1), Number(split, 2)) : null,
            RefillTotalUses = document.First("64") is { } refill ? Number(refill, 1) : null,
            Remarks = [.. document.All("81").Select(r => new Remark(Number(r, 1), r.OptionalField(2), r.Field(3)))],
            PrescriptionNumber = document.First("82") is { } number ? new PrescriptionNumber(number.Field(1), number.Field(2)) : null,
            Rps = [.. GroupBy(document.Body, "101").Select(ReadRp)],
        };
    }

    private static Rp ReadRp(IReadOnlyList<JahisRecord> records)
    {
        var opener = records[0];
        var directions = records.FirstOrDefault(r => r.Number == "111")
            ?? throw new ArgumentException($"RP {opener.Field(1)} (line {opener.Line}) has no record 111 (用法, directions); validate the document first.");
        return new Rp
        {
            Number = Number(opener, 1),
            DosageFormClass = opener.Field(2),
            DosageFormName = opener.OptionalField(3),
            Quantity = Number(opener, 4),
            SplitQuantity = records.FirstOrDefault(r => r.Number == "102") is { } split
                ? new SplitQuantity(Number(split, 2), Number(split, 3))
                : null,
            Directions = new Directions(directions.Field(2), directions.OptionalField(3), directions.Field(4), OptionalNumber(directions, 5)),
            Supplements = [.. records.Where(r => r.Number == "181").Select(r =>
                new DirectionsSupplement(Number(r, 2), r.OptionalField(3), r.Field(4), r.OptionalField(5), r.OptionalField(6)))],
            Drugs = [.. GroupBy(records, "201").Select(ReadDrug)],
        };
    }

    private static PrescribedDrug ReadDrug(IReadOnlyList<JahisRecord> records)
    {
        var drug = records[0];
        return new PrescribedDrug
        {
            Sequence = Number(drug, 2),
            InformationKind = drug.OptionalField(3),
            CodeKind = drug.Field(4),
            Code = drug.OptionalField(5),
            Name = drug.OptionalField(6),
            Dose = drug.Field(7),
            PotencyFlag = drug.Field(8),
            Unit = drug.Field(9),
            UnitConversionFactor = records.FirstOrDefault(r => r.Number == "211")?.OptionalField(3),
            UnevenDoses = records.FirstOrDefault(r => r.Number == "221") is { } uneven ? ReadUnevenDoses(uneven) : [],
            FundBurden = records.FirstOrDefault(r => r.Number == "231") is { } burden
                ? new FundBurden(burden.OptionalField(3), burden.OptionalField(4), burden.OptionalField(5), burden.OptionalField(6))
                : null,
            SingleDose = records.FirstOrDefault(r => r.Number == "241") is { } single
                ? new SingleDose(single.Field(3), OptionalNumber(single, 4))
                : null,
            Supplements = [.. records.Where(r => r.Number == "281").Select(r =>
                new DrugSupplement(Number(r, 3), r.OptionalField(4), r.Field(5), r.OptionalField(6)))],
        };
    }

    /// <summary>Fields 3–7 are the 1st … 5th doses and 8–12 their codes; the list ends at the last dose given.</summary>
    private static IReadOnlyList<UnevenDose> ReadUnevenDoses(JahisRecord record)
    {
        var doses = Enumerable.Range(0, PrescriptionWriter.UnevenDoseSlots)
            .Select(i => new UnevenDose(record.Field(3 + i), record.OptionalField(3 + PrescriptionWriter.UnevenDoseSlots + i)))
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
        document.First(number) ?? throw new ArgumentException(
            $"The prescription has no record {Layouts.Prescription.Find(number)}, which is required; validate the document first.", nameof(document));

    private static int Number(JahisRecord record, int position) =>
        int.TryParse(record.Field(position), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Unreadable(record, position, "a number");

    private static int? OptionalNumber(JahisRecord record, int position) =>
        record.OptionalField(position) is null ? null : Number(record, position);

    private static JahisDate Date(JahisRecord record, int position, bool allowPartial) =>
        JahisDate.TryParse(record.Field(position), EraStyle.Digit, allowPartial, out var date, out var error)
            ? date
            : throw new ArgumentException($"line {record.Line}: record {record.Number} field {position}: {error}");

    private static ArgumentException Unreadable(JahisRecord record, int position, string what) =>
        new($"line {record.Line}: record {record.Number} field {position} is '{record.Field(position)}', not {what}; validate the document first.");
}
