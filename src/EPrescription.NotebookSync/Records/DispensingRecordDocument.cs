using EPrescription.Formats.Notebook;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Validation;
using EPrescription.Formats.Writing;

namespace EPrescription.NotebookSync.Records;

/// <summary>
/// The JAHIS notebook document (JAHISTC08, output kind 1) a notebook app receives for one dispensing: the pharmacy's submitted
/// dispensing block, completed from the prescription where the pharmacy left optional parts out (the prescribing institution's
/// name, the prescribing doctor and department, the patient's kana name). Written as canonical CP932 and checked by the
/// formats project's own validator; should completing ever produce an invalid document, the submitted one is sent as it was.
/// </summary>
internal static class DispensingRecordDocument
{
    public static byte[] Build(Prescription prescription, JahisDocument submittedDocument)
    {
        var submitted = NotebookReader.Read(submittedDocument);
        var block = submitted.DispensingBlocks[0];
        var completedBlock = block with
        {
            PrescribingInstitution = block.PrescribingInstitution is { } given
                ? given with { Name = string.IsNullOrWhiteSpace(given.Name) ? prescription.Institution.Name ?? given.Name : given.Name }
                : new PrescribingInstitution(prescription.Institution.Name ?? "", prescription.Institution.Prefecture,
                    string.IsNullOrEmpty(prescription.Institution.CodeKind) ? "1" : prescription.Institution.CodeKind, prescription.Institution.Code, "1"),
            // RPs that no prescribing doctor (55) precedes belong to the prescription's doctor.
            PrescribingDoctors = block.PrescribingDoctors.Count > 0 || block.Rps.Count == 0
                ? block.PrescribingDoctors
                : [new PrescribingDoctor { Name = prescription.Doctor.Name, Department = prescription.Department?.Name, Creator = "1", Rps = block.Rps }],
            Rps = block.PrescribingDoctors.Count > 0 ? block.Rps : [],
        };
        var completed = new NotebookDocument
        {
            Version = 8,
            OutputKind = "1",
            Patient = submitted.Patient with { KanaName = submitted.Patient.KanaName ?? FullWidthKana(prescription.Patient.KanaName) },
            PatientNotes = submitted.PatientNotes,
            DispensingBlocks = [completedBlock],
            PrimaryPharmacists = submitted.PrimaryPharmacists,
        };

        var document = NotebookWriter.ToDocument(completed);
        return JahisValidator.Validate(document).IsValid ? JahisWriter.Write(document) : JahisWriter.Write(submittedDocument);
    }

    /// <summary>Prescriptions carry kana names in half-width katakana; the notebook format writes them full-width.</summary>
    private static string? FullWidthKana(string? kana) =>
        kana is null ? null : kana.Normalize(System.Text.NormalizationForm.FormKC);
}
