using EPrescription.Formats.Reading;
using EPrescription.Formats.Text;
using EPrescription.Formats.Validation;
using EPrescription.Formats.Writing;

namespace EPrescription.Formats.Tests;

public class SampleDocumentTests
{
    public static IEnumerable<string> AllSamples => Samples.AllJahis;
    public static IEnumerable<string> WireSamples => Samples.Prescriptions.Concat(Samples.Notebooks);

    [TestCaseSource(nameof(AllSamples))]
    public void Should_validate_every_shared_sample_without_errors(string name)
    {
        var report = JahisValidator.Validate(JahisReader.Read(Samples.Bytes(name)));

        Assert.That(report.Errors.Select(p => p.ToString()), Is.Empty);
    }

    [TestCaseSource(nameof(WireSamples))]
    public void Should_write_back_the_same_bytes_it_read(string name)
    {
        var bytes = Samples.Bytes(name);

        var written = JahisWriter.Write(JahisReader.Read(bytes));

        Assert.That(written, Is.EqualTo(bytes));
    }

    [TestCaseSource(nameof(WireSamples))]
    public void Should_read_the_utf8_copy_as_the_same_records(string name)
    {
        var utf8Name = name.Replace(".txt", ".utf8.txt", StringComparison.Ordinal).Replace(".csv", ".utf8.csv", StringComparison.Ordinal);

        var wire = JahisReader.Read(Samples.Bytes(name));
        var utf8 = JahisReader.Read(Samples.Bytes(utf8Name));

        Assert.Multiple(() =>
        {
            Assert.That(wire.Encoding, Is.EqualTo(TextEncodingKind.ShiftJis));
            Assert.That(utf8.Encoding, Is.EqualTo(TextEncodingKind.Utf8));
            Assert.That(utf8.Records.Select(r => r.ToString()), Is.EqualTo(wire.Records.Select(r => r.ToString())));
            Assert.That(JahisWriter.Write(utf8), Is.EqualTo(Samples.Bytes(name)), "UTF-8 input written canonically gives the wire file");
        });
    }

    [Test]
    public void Should_identify_format_and_version_from_the_first_line()
    {
        var rx = JahisReader.Read(Samples.Bytes("rx_jahis10_01_basic.txt"));
        var tc = JahisReader.Read(Samples.Bytes("tc_jahistc08_04_patient_to_provider.csv"));

        Assert.Multiple(() =>
        {
            Assert.That((rx.Format, rx.Version, rx.OutputKind), Is.EqualTo((JahisFormat.Prescription, 10, (string?)null)));
            Assert.That((tc.Format, tc.Version, tc.OutputKind), Is.EqualTo((JahisFormat.Notebook, 8, "2")));
        });
    }
}
