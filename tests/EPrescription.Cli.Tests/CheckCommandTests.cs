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
