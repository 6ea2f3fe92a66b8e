using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace EPrescription.Api.Tests.Operations;

/// <summary>
/// One scrape of /metrics as Prometheus reads it (the text exposition format): every sample with its name, labels and value.
/// Counters are compared between two scrapes, since the test process runs several services whose counts add up.
/// </summary>
public sealed partial class Scrape
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    private Scrape(string text, IReadOnlyList<Sample> samples)
    {
        Text = text;
        Samples = samples;
    }

    public string Text { get; }

    public IReadOnlyList<Sample> Samples { get; }

    public static async Task<Scrape> TakeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain").Or.EqualTo("application/openmetrics-text"));
        return Parse(text);
    }

    public static Scrape Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var match = SampleLine().Match(line);
            if (!match.Success) Assert.Fail($"not a Prometheus sample line: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Replace("\\\"", "\"").Replace("\\\\", "\\"));
            samples.Add(new Sample(match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
        return new Scrape(text, samples);
    }

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include <paramref name="labels"/> ("key=value").</summary>
    public double Sum(string name, params string[] labels) => Matching(name, labels).Sum(s => s.Value);

    public bool Has(string name, params string[] labels) => Matching(name, labels).Any();

    /// <summary>The value of the one sample named <paramref name="name"/> (a gauge); fails when there is none or several.</summary>
    public double Single(string name)
    {
        var found = Samples.Where(s => s.Name == name).ToList();
        Assert.That(found, NUnit.Framework.Has.Count.EqualTo(1), $"samples of {name}:\n{string.Join('\n', found)}");
        return found[0].Value;
    }

    public IEnumerable<string> Names => Samples.Select(s => s.Name).Distinct();

    private IEnumerable<Sample> Matching(string name, string[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l =>
        {
            var (key, value) = (l[..l.IndexOf('=')], l[(l.IndexOf('=') + 1)..]);
            return s.Labels.TryGetValue(key, out var actual) && actual == value;
        }));

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
