using System.Globalization;
using EPrescription.Formats.Layout;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Writing;

namespace EPrescription.Formats.Notebook;

/// <summary>
/// Turns a typed notebook document back into JAHIS records in the layout's order (JAHIS.md §4.2), every record with all of
/// its layout's fields. Each OTC drug is followed by its ingredients; in each RP the drugs, each with its 281 and 291,
/// come before 301, 311 and 391. Dates are written as their text.
/// </summary>
public static class NotebookWriter
{
    public static JahisDocument ToDocument(NotebookDocument notebook)
    {
        ArgumentNullException.ThrowIfNull(notebook);
        var records = new List<JahisRecord> { new(VersionToken(notebook.Version), notebook.OutputKind) };
        void Add(string number, params string?[] fields) =>
            records.Add(LayoutRecord.Create(Layouts.Notebook, notebook.Version, number, fields));

        var patient = notebook.Patient;
        Add("1", patient.Name, patient.Sex, patient.BirthDate.Text, patient.PostalCode, patient.Address, patient.Phone,
            patient.EmergencyContact, patient.BloodType, patient.Weight, patient.KanaName);
        foreach (var note in notebook.PatientNotes) Add("2", note.Kind, note.Text, note.Creator);
        foreach (var otc in notebook.OtcDrugs)
        {
            if (otc.Ingredients.Count > 0 && otc.Sequence is null)
                throw new ArgumentException("An OTC drug has ingredients but no record number (レコード通番) for them to refer to.", nameof(notebook));
            Add("3", otc.Name, otc.StartDate?.Text, otc.EndDate?.Text, otc.Creator, Text(otc.Sequence), otc.JanCode);
            foreach (var ingredient in otc.Ingredients)
                Add("31", Text(otc.Sequence), ingredient.Name, ingredient.CodeKind, ingredient.Code, ingredient.Creator);
        }
        foreach (var memo in notebook.Memos) Add("4", memo.Text, memo.Date?.Text, memo.Creator);

        foreach (var block in notebook.DispensingBlocks) WriteBlock(block, Add);

        foreach (var pharmacist in notebook.PrimaryPharmacists)
            Add("701", pharmacist.Name, pharmacist.PharmacyName, pharmacist.Contact, pharmacist.StartDate?.Text, pharmacist.EndDate?.Text, pharmacist.Creator);
        if (notebook.SplitControl is { } split) Add("911", split.DataId, Text(split.PartCount), Text(split.PartNumber));

        return new JahisDocument(JahisFormat.Notebook, notebook.Version, records);
    }

    /// <summary>JAHISTC and two digits: JAHISTC08.</summary>
    public static string VersionToken(int version) => "JAHISTC" + version.ToString("D2", CultureInfo.InvariantCulture);

    private static void WriteBlock(DispensingBlock block, Action<string, string?[]> add)
    {
        add("5", [block.Date.Text, block.Creator]);
        if (block.DispensingInstitution is { } pharmacy)
            add("11", [pharmacy.Name, pharmacy.Prefecture, pharmacy.ScoreTable, pharmacy.Code, pharmacy.PostalCode, pharmacy.Address, pharmacy.Phone, pharmacy.Creator]);
        if (block.Dispenser is { } dispenser) add("15", [dispenser.Name, dispenser.Contact, dispenser.Creator]);
        if (block.PrescribingInstitution is { } clinic) add("51", [clinic.Name, clinic.Prefecture, clinic.ScoreTable, clinic.Code, clinic.Creator]);
        foreach (var rp in block.Rps) WriteRp(rp, add);
        foreach (var doctor in block.PrescribingDoctors)
        {
            add("55", [doctor.Name, doctor.Department, doctor.Creator]);
            foreach (var rp in doctor.Rps) WriteRp(rp, add);
        }
        foreach (var caution in block.Cautions) add("401", [caution.Text, caution.Creator]);
        foreach (var info in block.ProvidedInfo) add("411", [info.Text, info.Kind, info.Creator]);
        foreach (var leftover in block.Leftovers) add("421", [leftover.Text, leftover.Creator]);
        foreach (var remark in block.Remarks) add("501", [remark.Text, remark.Creator]);
        foreach (var entry in block.PatientEntries) add("601", [entry.Text, entry.Date?.Text]);
    }

    private static void WriteRp(NotebookRp rp, Action<string, string?[]> add)
    {
        var number = Text(rp.Number);
        foreach (var drug in rp.Drugs)
        {
            add("201", [number, drug.Name, drug.Dose, drug.Unit, drug.CodeKind, drug.Code, drug.Creator, drug.GenericName, drug.GenericNameCodeKind, drug.GenericNameCode]);
            foreach (var supplement in drug.Supplements) add("281", [number, supplement.Text, supplement.Creator]);
            foreach (var caution in drug.Cautions) add("291", [number, caution.Text, caution.Creator]);
        }
        if (rp.Directions is { } directions)
        {
            add("301", [number, directions.Name, Text(directions.Quantity), directions.Unit, directions.DosageFormCode, directions.CodeKind, directions.Code, directions.Creator]);
        }
        foreach (var supplement in rp.DirectionsSupplements) add("311", [number, supplement.Text, supplement.Creator]);
        foreach (var caution in rp.Cautions) add("391", [number, caution.Text, caution.Creator]);
    }

    private static string? Text(int? value) => value?.ToString(CultureInfo.InvariantCulture);
}
