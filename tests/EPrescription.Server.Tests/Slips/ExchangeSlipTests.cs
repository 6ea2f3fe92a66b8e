using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Server.Prescriptions;
using EPrescription.Server.Slips;

namespace EPrescription.Server.Tests.Slips;

/// <summary>
/// The exchange slip as a patient and a pharmacy meet it: printed by a real browser on A5, its QR code read by a real
/// decoder. The rendered files stay in <see cref="OutputFolder"/> for a person to look at.
/// </summary>
public class ExchangeSlipTests
{
    // Per process: two test runs at once (CI and a developer, two checkouts) must not print over each other's files.
    private static readonly string OutputFolder = Path.Combine(Path.GetTempPath(), $"eprx-slips-{Environment.ProcessId}");
    private static readonly Prescription Sample = PrescriptionReader.Read(JahisReader.Read(SamplePath("rx_jahis10_01_basic.txt")));
    private static readonly DateOnly IssuedOn = new(2025, 6, 10);
    private static readonly DateOnly LastValidOn = new(2025, 6, 13);

    [OneTimeSetUp]
    public void CreateOutputFolder() => Directory.CreateDirectory(OutputFolder);

    [Test]
    public void Should_print_on_one_A5_portrait_page()
    {
        var pdf = Print(Slip(Sample), "sample");

        var (pages, width, height) = SlipTools.PdfInfo(pdf);
        Assert.Multiple(() =>
        {
            Assert.That(pages, Is.EqualTo(1), "pages");
            Assert.That(width, Is.EqualTo(419.5).Within(2), "page width in points (148 mm)");
            Assert.That(height, Is.EqualTo(595.3).Within(2), "page height in points (210 mm)");
        });
    }

    [Test]
    public void Should_carry_the_prescription_id_and_exchange_code_in_a_QR_code_a_scanner_reads()
    {
        var slip = Slip(Sample);

        var onScreen = SlipTools.ReadQrCodes(Screenshot(slip, "sample"));
        var onPaper = SlipTools.ReadQrCodes(SlipTools.RasterizeFirstPage(Print(slip, "sample")));

        var expected = new[] { $"EPRX1:{slip.PrescriptionId}:{slip.ExchangeCode}" };
        Assert.That(onScreen, Is.EqualTo(expected), "screenshot");
        Assert.That(onPaper, Is.EqualTo(expected), "printed page at 150 dpi");
    }

    [Test]
    public void Should_show_patient_clinic_drugs_and_dates()
    {
        var slip = Slip(Sample);

        var html = ExchangeSlip.Render(slip);

        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Contain("電子処方箋引換証"));
            Assert.That(html, Does.Contain(slip.PrescriptionId), "prescription ID in print");
            Assert.That(html, Does.Contain(slip.ExchangeCode), "exchange code in print");
            Assert.That(html, Does.Contain("試験 花子"), "patient name");
            Assert.That(html, Does.Contain("シケン ハナコ"), "patient kana, in full-width katakana");
            Assert.That(html, Does.Contain("1985年4月15日"), "birth date");
            Assert.That(html, Does.Contain("医療法人見本会　みほんクリニック"), "clinic");
            Assert.That(html, Does.Contain("東京都千代田区千代田９－９－９　見本ビル２階"), "clinic address");
            Assert.That(html, Does.Contain("03-0000-0000"), "clinic phone");
            Assert.That(html, Does.Contain("見本 一郎"), "doctor");
            Assert.That(html, Does.Contain("内科"), "department");
            Assert.That(html, Does.Contain("2025年6月10日"), "issue date");
            Assert.That(html, Does.Contain("2025年6月13日"), "last valid date");
            Assert.That(html, Does.Contain("Fri 13 Jun 2025"), "last valid date, Western");
            foreach (var drug in Sample.Rps.SelectMany(rp => rp.Drugs))
                Assert.That(html, Does.Contain(WebUtility.HtmlEncode(drug.Name!)), "drug");
            Assert.That(html, Does.Contain("１日３回朝昼夕食後").And.Contain("14日分"), "内服 directions and days");
            Assert.That(html, Does.Contain("疼痛時").And.Contain("5回分"), "頓服 directions and doses");
            Assert.That(html, Does.Contain("1日3錠"), "内服 daily dose with unit");
            Assert.That(html, Does.Contain("1回1錠"), "頓服 single dose with unit");
            Assert.That(html, Does.Contain("薬局へお持ちください").And.Contain("Take this slip"), "what to do with it");
        });
    }

    [Test]
    public void Should_say_a_refill_and_how_often_it_may_be_used_and_still_fit_one_page()
    {
        var refill = Sample with { RefillTotalUses = 3 };
        var slip = Slip(refill);

        var html = ExchangeSlip.Render(slip);
        var pdf = Print(slip, "refill");

        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Contain("リフィル処方箋　総使用回数 3回"), "refill and its uses, in Japanese");
            Assert.That(html, Does.Contain("may be used 3 times"), "the same in English");
            Assert.That(SlipTools.PdfInfo(pdf).Pages, Is.EqualTo(1), "pages");
        });
        Assert.That(ExchangeSlip.Render(Slip(Sample)), Does.Not.Contain("リフィル"), "an ordinary prescription says nothing of refills");
    }

    [Test]
    public void Should_show_which_part_of_a_split_instruction_the_sheet_is()
    {
        var split = PrescriptionReader.Read(JahisReader.Read(SamplePath("rx_jahis10_03_split_instruction.txt")));

        var html = ExchangeSlip.Render(Slip(split));

        Assert.That(split.SplitInstruction, Is.EqualTo(new SplitInstruction(3, 1)), "the sample is part 1 of 3");
        Assert.That(html, Does.Contain("<strong>1 / 3</strong>").And.Contain("Part 1 of 3"));
        Assert.That(ExchangeSlip.Render(Slip(Sample)), Does.Not.Contain("分割指示"), "an ordinary prescription says nothing of parts");
        Assert.That(ExchangeSlip.Render(Slip(split) with { SplitSiblings = ["ABCDEF-GHJKLM-NPQRS7"] }),
            Does.Contain("Other parts</span>: ABCDEF-GHJKLM-NPQRS7"), "the other sheets registered so far");
    }

    [Test]
    public void Should_be_self_contained_and_declare_an_A5_page()
    {
        var html = ExchangeSlip.Render(Slip(Sample));

        Assert.That(html, Does.Contain("@page { size: A5 portrait;"));
        var qrMillimetres = Regex.Match(html, @"\.qr svg \{[^}]*width: (\d+)mm").Groups[1].Value;
        Assert.That(int.Parse(qrMillimetres, CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(30), "QR symbol width on paper, mm");
        Assert.That(html, Does.Not.Contain("<script").And.Not.Contain("<link").And.Not.Contain("url(").And.Not.Contain("<img"));
    }

    [Test]
    public void Should_still_fit_one_page_with_eight_RPs_of_two_drugs()
    {
        var long8 = EightRps();
        var slip = Slip(long8);

        var pdf = Print(slip, "eight-rps");
        var codes = SlipTools.ReadQrCodes(Screenshot(slip, "eight-rps"));
        var printedCodes = SlipTools.ReadQrCodes(SlipTools.RasterizeFirstPage(pdf));

        Assert.Multiple(() =>
        {
            Assert.That(SlipTools.PdfInfo(pdf).Pages, Is.EqualTo(1), "pages");
            Assert.That(codes, Is.EqualTo(new[] { ExchangeSlip.QrPayload(slip.PrescriptionId, slip.ExchangeCode) }), "screenshot");
            Assert.That(printedCodes, Is.EqualTo(codes), "printed page at 150 dpi");
            var html = ExchangeSlip.Render(slip);
            foreach (var drug in long8.Rps.SelectMany(rp => rp.Drugs))
                Assert.That(html, Does.Contain(WebUtility.HtmlEncode(drug.Name!)), "drug");
        });
    }

    [Test]
    public void Should_encode_markup_in_a_patient_name()
    {
        var hostile = Sample with { Patient = Sample.Patient with { Name = "<script>alert('x')</script>花子" } };

        var html = ExchangeSlip.Render(Slip(hostile));

        Assert.That(html, Does.Not.Contain("<script"));
        Assert.That(html, Does.Contain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;花子"));
    }

    [Test]
    public void Should_use_a_versioned_payload_with_the_hyphenated_id()
    {
        var id = PrescriptionId.New();

        Assert.That(ExchangeSlip.QrPayload(id.Value.ToLowerInvariant(), "012345"), Is.EqualTo($"EPRX1:{id}:012345"));
        Assert.That(ExchangeSlip.QrPayload(id.ToString(), "012345"), Does.Match("^EPRX1:[0-9A-Z]{6}-[0-9A-Z]{6}-[0-9A-Z]{6}:[0-9]{6}$"));
    }

    [TestCase("7KQM4R-X9TB3H-PWC2DO", "123456")]
    [TestCase(null, "12345")]
    [TestCase(null, "12345a")]
    public void Should_refuse_a_payload_that_no_pharmacy_could_use(string? id, string code) =>
        Assert.That(() => ExchangeSlip.QrPayload(id ?? PrescriptionId.New().ToString(), code), Throws.ArgumentException);

    private static SlipContent Slip(Prescription prescription) =>
        new(PrescriptionId.New().ToString(), ExchangeCode.New().Value, prescription, IssuedOn, LastValidOn);

    /// <summary>The sample's two RPs repeated to eight, each with two drugs: a long but ordinary prescription.</summary>
    private static Prescription EightRps()
    {
        var oral = Sample.Rps[0];
        var asNeeded = Sample.Rps[1] with { Drugs = [Sample.Rps[1].Drugs[0], Sample.Rps[0].Drugs[1] with { Sequence = 2 }] };
        var rps = Enumerable.Range(1, 8).Select(n =>
        {
            var template = n % 2 == 1 ? oral : asNeeded;
            return template with
            {
                Number = n,
                Drugs = [.. template.Drugs.Select(d => d with { Name = $"{d.Name}（{n}）" })],
            };
        });
        return Sample with { Rps = [.. rps] };
    }

    private static string Print(SlipContent slip, string name)
    {
        var html = WriteHtml(slip, name);
        var pdf = Path.ChangeExtension(html, ".pdf");
        File.Delete(pdf);
        SlipTools.PrintToPdf(html, pdf);
        Assert.That(pdf, Does.Exist, "Chromium wrote no PDF");
        TestContext.Out.WriteLine($"PDF: {pdf}");
        return pdf;
    }

    private static string Screenshot(SlipContent slip, string name)
    {
        var html = WriteHtml(slip, name);
        var png = Path.ChangeExtension(html, ".png");
        File.Delete(png);
        SlipTools.Screenshot(html, png);
        Assert.That(png, Does.Exist, "Chromium wrote no screenshot");
        TestContext.Out.WriteLine($"screenshot: {png}");
        return png;
    }

    private static string WriteHtml(SlipContent slip, string name)
    {
        var path = Path.Combine(OutputFolder, $"slip-{name}.html");
        File.WriteAllText(path, ExchangeSlip.Render(slip));
        return path;
    }

    private static string SamplePath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "samples", name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"tests/samples/{name} not found above {AppContext.BaseDirectory}");
    }
}
