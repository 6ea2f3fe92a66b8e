using System.Text;
using System.Text.Json;

namespace EPrescription.Cli.Tests;

public class CheckCommandTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("eprx-check-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    [Test]
    public async Task Should_exit_0_and_say_valid_for_every_shared_sample()
    {
        var files = Directory.GetFiles(Eprx.SamplesFolder).Where(f => Path.GetFileName(f).StartsWith("rx_", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("tc_", StringComparison.Ordinal)).Order().ToArray();

        var result = await Eprx.RunAsync(["check", .. files]);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Stdout + result.Stderr);
            Assert.That(result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains(": valid ", StringComparison.Ordinal)), Is.EqualTo(files.Length));
        });
    }

    [Test]
    public async Task Should_print_each_problem_as_file_line_record_field_and_exit_1()
    {
        var text = File.ReadAllText(Eprx.Sample("rx_jahis10_01_basic.utf8.txt"))
            .Replace("1,1,1234567,13,", "1,1,1234567,99,", StringComparison.Ordinal)
            .Replace("13,19850415", "13,19850231", StringComparison.Ordinal);
        var file = Write("broken.txt", text);

        var result = await Eprx.RunAsync("check", file);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.Stdout, Does.Contain($"{file}:2: record 1 field 3 (医療機関都道府県コード / prefectureCode): '99' is not a code of"));
            Assert.That(result.Stdout, Does.Contain($"{file}:9: record 13 field 1 (患者生年月日 / birthDate): '19850231' is not a real calendar date"));
            Assert.That(result.Stdout, Does.Contain("invalid prescription JAHIS10").And.Contain("2 error(s)"));
        });
    }

    [Test]
    public async Task Should_exit_2_for_a_file_that_is_missing_or_not_JAHIS_at_all()
    {
        var notJahis = Write("notes.txt", "hello, world\n");

        var missing = await Eprx.RunAsync("check", Path.Combine(_folder, "nope.txt"));
        var unreadable = await Eprx.RunAsync("check", notJahis);

        Assert.Multiple(() =>
        {
            Assert.That(missing.ExitCode, Is.EqualTo(2));
            Assert.That(missing.Stderr, Does.Contain("cannot read the file"));
            Assert.That(unreadable.ExitCode, Is.EqualTo(2));
            Assert.That(unreadable.Stderr, Does.Contain("version record"));
        });
    }

    [Test]
    public async Task Should_exit_with_the_worst_outcome_of_several_files()
    {
        var broken = Write("broken.txt", "JAHIS10\n1,1,1234567,13,x\n");

        var result = await Eprx.RunAsync("check", Eprx.Sample("rx_jahis10_01_basic.txt"), broken);

        Assert.That(result.ExitCode, Is.EqualTo(1));
    }

    [Test]
    public async Task Should_print_the_parsed_document_and_its_problems_as_json()
    {
        var result = await Eprx.RunAsync("check", "--json", Eprx.Sample("rx_jahis10_01_basic.txt"));

        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0));
            Assert.That(root.GetProperty("status").GetString(), Is.EqualTo("valid"));
            Assert.That(root.GetProperty("format").GetString(), Is.EqualTo("prescription"));
            Assert.That(root.GetProperty("problems").GetArrayLength(), Is.EqualTo(0));
            Assert.That(root.GetProperty("records").GetRawText(), Does.Contain("みほんクリニック"), "Japanese text is readable, not escaped");
            Assert.That(root.GetProperty("model").GetProperty("institution").GetProperty("institutionNumber").GetString(), Is.EqualTo("1311234567"));
            Assert.That(root.GetProperty("model").GetProperty("rps").GetArrayLength(), Is.EqualTo(2));
        });
    }

    /// <summary>
    /// Every document of other public JAHIS parsers (shared/formats/peer-fixtures, read in place): eprx check ends with
    /// 0, 1 or 2 on each, never with an unhandled exception, and reports one result per file.
    /// </summary>
    [Test]
    public async Task Should_never_crash_on_any_peer_fixture()
    {
        var folder = Path.GetFullPath(Path.Combine(Eprx.RepositoryRoot, "..", "shared", "formats", "peer-fixtures"));
        if (!Directory.Exists(folder)) Assert.Ignore($"The shared peer fixtures are not beside the repository ({folder}); they are read there, never copied.");
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f) is ".txt" or ".csv").Order(StringComparer.Ordinal).ToArray();

        var result = await Eprx.RunAsync(["check", "--json", .. files]);

        Assert.That(result.ExitCode, Is.AnyOf(0, 1, 2), result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var statuses = json.RootElement.EnumerateArray().Select(r => r.GetProperty("status").GetString()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(files, Has.Length.GreaterThan(400));
            Assert.That(result.Stderr, Does.Not.Contain("Unhandled exception"));
            Assert.That(statuses, Has.Count.EqualTo(files.Length));
            Assert.That(statuses, Is.All.AnyOf("valid", "invalid", "unreadable"));
            Assert.That(statuses, Has.Some.EqualTo("valid").And.Some.EqualTo("invalid").And.Some.EqualTo("unreadable"));
        });
    }

    /// <summary>Documents that made eprx check crash with exit code 134 (issue 10): now each problem is printed and the exit code is 1.</summary>
    [TestCase("101,2,2,,5", "101,2,2,,-14", "record 101 field 4")]   // 調剤数量 of digits only
    [TestCase("13,19850415", "13,19850415\r\r", "record 13 field 1")] // CR CR LF after the birth date (the sample ends lines with LF)
    public async Task Should_print_the_problem_of_a_document_that_used_to_crash_it(string from, string to, string where)
    {
        var text = File.ReadAllText(Eprx.Sample("rx_jahis10_01_basic.utf8.txt"));
        var file = Write("crash.txt", text.Replace(from, to, StringComparison.Ordinal));

        var result = await Eprx.RunAsync("check", file);

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain(from));
            Assert.That(result.ExitCode, Is.EqualTo(1), result.Stdout + result.Stderr);
            Assert.That(result.Stdout, Does.Contain(where));
        });
    }

    [Test]
    public async Task Should_print_the_problem_of_an_OTC_ingredient_without_its_OTC_record()
    {
        var text = File.ReadAllText(Eprx.Sample("tc_jahistc08_04_patient_to_provider.utf8.csv"));
        var file = Write("orphan.csv", text.Replace("\n31,1,", "\n31,987,", StringComparison.Ordinal));

        var result = await Eprx.RunAsync("check", file);

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("\n31,1,"), "the sample has an OTC ingredient of OTC record 1");
            Assert.That(result.ExitCode, Is.EqualTo(1), result.Stdout + result.Stderr);
            Assert.That(result.Stdout, Does.Contain("record 31 field 1"));
        });
    }

    [Test]
    public async Task Should_explain_usage_when_called_wrongly()
    {
        var none = await Eprx.RunAsync("check");
        var unknown = await Eprx.RunAsync("frobnicate");

        Assert.Multiple(() =>
        {
            Assert.That(none.ExitCode, Is.EqualTo(2));
            Assert.That(none.Stderr, Does.Contain("usage: eprx check"));
            Assert.That(unknown.ExitCode, Is.EqualTo(2));
            Assert.That(unknown.Stderr, Does.Contain("unknown command 'frobnicate'"));
        });
    }
}
