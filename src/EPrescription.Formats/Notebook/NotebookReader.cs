using System.Globalization;
using EPrescription.Formats.Layout;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Values;

namespace EPrescription.Formats.Notebook;

/// <summary>
/// Gives a notebook document its meaning. It expects a document that <see cref="Validation.JahisValidator"/> accepted:
/// absent optional records and fields stay null; a missing record 1, an unreadable number or an OTC ingredient without its
/// OTC record throws <see cref="JahisFormatException"/> naming the line, record and field (never the value). Fields are read
/// without surrounding blanks, as the validator reads them. Records are grouped the way the layout groups them: a record 5 starts a dispensing
/// block, a record 55 a prescribing doctor, and consecutive RP records with one RP番号 form an RP.
/// </summary>
public static class NotebookReader
{
    public static NotebookDocument Read(JahisDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Format != JahisFormat.Notebook)
            throw new ArgumentException($"The document is a JAHIS {document.Format} document, not a notebook document (JAHISTC01 … JAHISTC08).", nameof(document));

        var patient = document.First("1")
            ?? throw new JahisFormatException(1, null, null, "the notebook document has no record 1 (患者情報, patient), which is required");
        var ingredients = document.All("31").ToList();
        var otcDrugs = document.All("3").Select(r => ReadOtcDrug(r, ingredients)).ToList();
        var linked = otcDrugs.Where(d => d.Sequence is not null).Select(d => d.Sequence!.Value).ToHashSet();
        if (ingredients.FirstOrDefault(r => !linked.Contains(Number(r, 1))) is { } orphan)
            throw new JahisFormatException(orphan.Line, orphan.Number, 1, "names an OTC record number (レコード通番) that no record 3 carries");

        var blockRecords = document.Body.Where(r => r.Number == "5" || Container(r) is not (null or "document"));
        return new NotebookDocument
        {
            Version = document.Version,
            OutputKind = document.VersionRecord.Value(1),
            Patient = new NotebookPatient
            {
                Name = patient.Value(1),
                Sex = patient.Value(2),
                BirthDate = new JahisDateText(patient.Value(3)),
                PostalCode = patient.OptionalValue(4),
                Address = patient.OptionalValue(5),
                Phone = patient.OptionalValue(6),
                EmergencyContact = patient.OptionalValue(7),
                BloodType = patient.OptionalValue(8),
                Weight = patient.OptionalValue(9),
                KanaName = patient.OptionalValue(10),
            },
            PatientNotes = [.. document.All("2").Select(r => new PatientNote(r.Value(1), r.Value(2), r.Value(3)))],
            OtcDrugs = otcDrugs,
            Memos = [.. document.All("4").Select(r => new NotebookMemo(r.Value(1), OptionalDate(r, 2), r.Value(3)))],
            DispensingBlocks = [.. Split(blockRecords, "5").Groups.Select(ReadBlock)],
            PrimaryPharmacists = [.. document.All("701").Select(r =>
                new PrimaryPharmacist(r.Value(1), r.Value(2), r.Value(3), OptionalDate(r, 4), OptionalDate(r, 5), r.Value(6)))],
            SplitControl = document.First("911") is { } split ? new SplitControl(split.Value(1), Number(split, 2), Number(split, 3)) : null,
        };
    }

    private static OtcDrug ReadOtcDrug(JahisRecord record, IReadOnlyList<JahisRecord> ingredients)
    {
        int? sequence = record.OptionalValue(5) is null ? null : Number(record, 5);
        return new OtcDrug
        {
            Name = record.Value(1),
            StartDate = OptionalDate(record, 2),
            EndDate = OptionalDate(record, 3),
            Creator = record.Value(4),
            Sequence = sequence,
            JanCode = record.OptionalValue(6),
            Ingredients = sequence is null
                ? []
                : [.. ingredients.Where(i => Number(i, 1) == sequence).Select(i => new OtcIngredient(i.Value(2), i.Value(3), i.OptionalValue(4), i.Value(5)))],
        };
    }

    private static DispensingBlock ReadBlock(IReadOnlyList<JahisRecord> records)
    {
        var date = records[0];
        var inBlock = records.Where(r => Container(r) == "block" && r.Number != "55").ToList();
        var (blockRps, doctors) = Split(records.Where(r => r.Number == "55" || Container(r) is "rp" or "drug"), "55");
        JahisRecord? Find(string number) => inBlock.FirstOrDefault(r => r.Number == number);
        IEnumerable<JahisRecord> All(string number) => inBlock.Where(r => r.Number == number);

        return new DispensingBlock
        {
            Date = new JahisDateText(date.Value(1)),
            Creator = date.Value(2),
            DispensingInstitution = Find("11") is { } pharmacy
                ? new DispensingInstitution(pharmacy.Value(1), pharmacy.OptionalValue(2), pharmacy.OptionalValue(3), pharmacy.OptionalValue(4),
                    pharmacy.OptionalValue(5), pharmacy.OptionalValue(6), pharmacy.OptionalValue(7), pharmacy.Value(8))
                : null,
            Dispenser = Find("15") is { } dispenser ? new Dispenser(dispenser.Value(1), dispenser.OptionalValue(2), dispenser.Value(3)) : null,
            PrescribingInstitution = Find("51") is { } clinic
                ? new PrescribingInstitution(clinic.Value(1), clinic.OptionalValue(2), clinic.OptionalValue(3), clinic.OptionalValue(4), clinic.Value(5))
                : null,
            Rps = ReadRps(blockRps),
            PrescribingDoctors = [.. doctors.Select(group => new PrescribingDoctor
            {
                Name = group[0].Value(1),
                Department = group[0].OptionalValue(2),
                Creator = group[0].Value(3),
                Rps = ReadRps(group.Skip(1)),
            })],
            Cautions = [.. All("401").Select(r => Entry(r, 1, 2))],
            ProvidedInfo = [.. All("411").Select(r => new ProvidedInfo(r.Value(1), r.Value(2), r.Value(3)))],
            Leftovers = [.. All("421").Select(r => Entry(r, 1, 2))],
            Remarks = [.. All("501").Select(r => Entry(r, 1, 2))],
            PatientEntries = [.. All("601").Select(r => new PatientEntry(r.Value(1), OptionalDate(r, 2)))],
        };
    }

    /// <summary>An RP is a run of RP records with the same RP番号 (field 1); the notebook has no record that opens one.</summary>
    private static IReadOnlyList<NotebookRp> ReadRps(IEnumerable<JahisRecord> records)
    {
        var runs = new List<List<JahisRecord>>();
        foreach (var record in records)
        {
            if (runs.Count == 0 || runs[^1][0].Value(1) != record.Value(1)) runs.Add([]);
            runs[^1].Add(record);
        }
        return [.. runs.Select(ReadRp)];
    }

    private static NotebookRp ReadRp(List<JahisRecord> records)
    {
        var directions = records.FirstOrDefault(r => r.Number == "301");
        return new NotebookRp
        {
            Number = Number(records[0], 1),
            Drugs = [.. Split(records.Where(r => Container(r) == "drug" || r.Number == "201"), "201").Groups.Select(ReadDrug)],
            Directions = directions is null ? null : new NotebookDirections
            {
                Name = directions.OptionalValue(2),
                Quantity = directions.OptionalValue(3) is null ? null : Number(directions, 3),
                Unit = directions.OptionalValue(4),
                DosageFormCode = directions.OptionalValue(5),
                CodeKind = directions.OptionalValue(6),
                Code = directions.OptionalValue(7),
                Creator = directions.Value(8),
            },
            DirectionsSupplements = [.. records.Where(r => r.Number == "311").Select(r => Entry(r, 2, 3))],
            Cautions = [.. records.Where(r => r.Number == "391").Select(r => Entry(r, 2, 3))],
        };
    }

    private static NotebookDrug ReadDrug(IReadOnlyList<JahisRecord> records)
    {
        var drug = records[0];
        return new NotebookDrug
        {
            Name = drug.Value(2),
            Dose = drug.OptionalValue(3),
            Unit = drug.OptionalValue(4),
            CodeKind = drug.OptionalValue(5),
            Code = drug.OptionalValue(6),
            Creator = drug.Value(7),
            GenericName = drug.OptionalValue(8),
            GenericNameCodeKind = drug.OptionalValue(9),
            GenericNameCode = drug.OptionalValue(10),
            Supplements = [.. records.Where(r => r.Number == "281").Select(r => Entry(r, 2, 3))],
            Cautions = [.. records.Where(r => r.Number == "291").Select(r => Entry(r, 2, 3))],
        };
    }

    /// <summary>Records before the first <paramref name="opener"/>, and groups that each start with one.</summary>
    private static (List<JahisRecord> Leading, List<List<JahisRecord>> Groups) Split(IEnumerable<JahisRecord> records, string opener)
    {
        var leading = new List<JahisRecord>();
        var groups = new List<List<JahisRecord>>();
        foreach (var record in records)
        {
            if (record.Number == opener) groups.Add([record]);
            else if (groups.Count > 0) groups[^1].Add(record);
            else leading.Add(record);
        }
        return (leading, groups);
    }

    /// <summary>Where the layout places the record: document, block, prescriber, rp or drug; null for a record it does not know.</summary>
    private static string? Container(JahisRecord record) => Layouts.Notebook.Find(record.Number)?.In;

    private static NotebookEntry Entry(JahisRecord record, int text, int creator) => new(record.Value(text), record.Value(creator));

    private static JahisDateText? OptionalDate(JahisRecord record, int position) =>
        record.OptionalValue(position) is { } text ? new JahisDateText(text) : null;

    private static int Number(JahisRecord record, int position) =>
        int.TryParse(record.Value(position), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new JahisFormatException(record.Line, record.Number, position, "is not a whole number of at most 9 digits");
}
