using EPrescription.Formats.Notebook;
using EPrescription.Formats.Reading;
using EPrescription.Formats.Validation;
using EPrescription.Formats.Writing;

namespace EPrescription.Formats.Tests;

public class SplitDocumentTests
{
    private const string DataId = "20250610093000";
    private static readonly string[] PartNames = ["tc_jahistc08_03_split_part1of2.csv", "tc_jahistc08_03_split_part2of2.csv"];

    private static JahisDocument Part(int number) => JahisReader.Read(Samples.Bytes(PartNames[number - 1]));

    private static JahisDocument WithSplitControl(JahisDocument part, string dataId, int count, int number) =>
        new(part.Format, part.Version, [.. part.Records.Where(r => r.Number != "911"), new JahisRecord("911", dataId, $"{count}", $"{number}")]);

    private static IReadOnlyList<string> Lines(JahisDocument document) => document.Records.Select(r => r.ToString()).ToList();

    [Test]
    public void Should_join_the_two_parts_into_one_document_with_both_dispensings()
    {
        var joined = SplitDocuments.Join([Part(2), Part(1)]);
        var notebook = NotebookReader.Read(joined);

        Assert.Multiple(() =>
        {
            Assert.That(JahisValidator.Validate(joined).Errors.Select(p => p.ToString()), Is.Empty);
            Assert.That(joined.All("911"), Is.Empty);
            Assert.That(joined.All("1").Count(), Is.EqualTo(1), "the patient once, not once per part");
            Assert.That(notebook.Patient.Name, Is.EqualTo("見本 太郎"));
            Assert.That(notebook.DispensingBlocks.Select(b => b.Date.Text), Is.EqualTo(new[] { "20250610", "20250510" }), "in part order");
            Assert.That(notebook.DispensingBlocks[0].AllRps.SelectMany(rp => rp.Drugs).Select(d => d.Name),
                Is.EqualTo(new[] { "ノルバスク錠２．５ｍｇ", "リンデロン－ＶＧ軟膏０．１２％" }));
            Assert.That(notebook.DispensingBlocks[1].AllRps.SelectMany(rp => rp.Drugs).Select(d => d.Name),
                Is.EqualTo(new[] { "ノルバスク錠２．５ｍｇ" }));
        });
    }

    [Test]
    public void Should_split_the_joined_document_back_into_parts_that_validate_and_join_again()
    {
        var joined = SplitDocuments.Join([Part(1), Part(2)]);
        var maxBytes = PartNames.Max(name => Samples.Bytes(name).Length);

        var parts = SplitDocuments.Split(joined, maxBytes, DataId);

        Assert.Multiple(() =>
        {
            Assert.That(parts, Has.Count.EqualTo(2));
            foreach (var part in parts)
            {
                Assert.That(JahisWriter.Write(part), Has.Length.LessThanOrEqualTo(maxBytes));
                Assert.That(JahisValidator.Validate(part).Errors.Select(p => p.ToString()), Is.Empty);
            }
            Assert.That(parts.Select(JahisWriter.Write), Is.EqualTo(PartNames.Select(Samples.Bytes)), "cut between the dispensing blocks, as the sample was");
            Assert.That(Lines(SplitDocuments.Join(parts)), Is.EqualTo(Lines(joined)));
        });
    }

    [Test]
    public void Should_cut_inside_a_dispensing_block_only_when_it_fills_more_than_a_part()
    {
        var joined = SplitDocuments.Join([Part(1), Part(2)]);

        var parts = SplitDocuments.Split(joined, 300, DataId);

        Assert.Multiple(() =>
        {
            Assert.That(parts, Has.Count.GreaterThan(2));
            Assert.That(parts.Select(p => JahisWriter.Write(p).Length), Has.All.LessThanOrEqualTo(300));
            Assert.That(parts.Select(p => p.Records[1].Number), Has.All.EqualTo("1"), "every part repeats the patient");
            Assert.That(parts.Select(p => p.Records[^1].ToString()),
                Is.EqualTo(Enumerable.Range(1, parts.Count).Select(i => $"911,{DataId},{parts.Count},{i}")));
            Assert.That(Lines(SplitDocuments.Join(parts)), Is.EqualTo(Lines(joined)));
        });
    }

    [Test]
    public void Should_leave_a_document_that_fits_whole_and_without_split_control()
    {
        var joined = SplitDocuments.Join([Part(1), Part(2)]);

        var parts = SplitDocuments.Split(joined, 100_000, DataId);

        Assert.That(Lines(parts.Single()), Is.EqualTo(Lines(joined)));
    }

    [Test]
    public void Should_name_the_missing_part()
    {
        var error = Assert.Throws<JahisFormatException>(() => SplitDocuments.Join([Part(2)]));

        Assert.That(error!.Message, Does.Contain("part 1 of 2 is missing"));
    }

    [Test]
    public void Should_name_a_part_given_twice()
    {
        var error = Assert.Throws<JahisFormatException>(() => SplitDocuments.Join([Part(1), Part(1), Part(2)]));

        Assert.That(error!.Message, Does.Contain("part 1 of 2 is given 2 times"));
    }

    [Test]
    public void Should_refuse_parts_of_different_data()
    {
        var other = WithSplitControl(Part(2), "20250611120000", 2, 2);

        var error = Assert.Throws<JahisFormatException>(() => SplitDocuments.Join([Part(1), other]));

        Assert.That(error!.Message, Does.Contain("different data").And.Not.Contain("20250611120000"), "the message may be logged: it names no value of the parts");
    }

    [Test]
    public void Should_refuse_a_document_that_is_not_a_part()
    {
        var whole = JahisReader.Read(Samples.Bytes("tc_jahistc08_01_pharmacy_to_patient.csv"));

        var error = Assert.Throws<JahisFormatException>(() => SplitDocuments.Join([Part(1), whole]));

        Assert.That(error!.Message, Does.Contain("document 2 has no record 911"));
    }
}
