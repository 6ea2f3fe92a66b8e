using EPrescription.Server.Prescriptions;

namespace EPrescription.Server.Tests;

public class PrescriptionIdTests
{
    private static readonly string[] Ids = Enumerable.Range(0, 500).Select(_ => PrescriptionId.New().Value).ToArray();

    [Test]
    public void Should_catch_every_single_character_error()
    {
        var undetected = new List<string>();
        foreach (var id in Ids)
        {
            for (var i = 0; i < id.Length; i++)
            {
                foreach (var c in PrescriptionId.Alphabet)
                {
                    if (c == id[i]) continue;
                    var typo = id[..i] + c + id[(i + 1)..];
                    if (PrescriptionId.TryParse(typo, out _)) undetected.Add($"{id} -> {typo}");
                }
            }
        }

        Assert.That(undetected, Is.Empty);
    }

    [Test]
    public void Should_catch_every_adjacent_transposition()
    {
        var undetected = new List<string>();
        foreach (var id in Ids)
        {
            for (var i = 0; i + 1 < id.Length; i++)
            {
                if (id[i] == id[i + 1]) continue;
                var swapped = id[..i] + id[i + 1] + id[i] + id[(i + 2)..];
                if (PrescriptionId.TryParse(swapped, out _)) undetected.Add($"{id} -> {swapped}");
            }
        }

        Assert.That(undetected, Is.Empty);
    }

    [Test]
    public void Should_carry_at_least_80_random_bits_in_hyphenated_groups_without_look_alikes()
    {
        var id = PrescriptionId.New();

        Assert.Multiple(() =>
        {
            Assert.That(17 * Math.Log2(PrescriptionId.Alphabet.Length), Is.GreaterThanOrEqualTo(80));
            Assert.That(id.ToString(), Does.Match("^[2-9A-HJKMNPQRTUVWXY]{6}-[2-9A-HJKMNPQRTUVWXY]{6}-[2-9A-HJKMNPQRTUVWXY]{6}$"));
            Assert.That(PrescriptionId.Alphabet, Does.Not.Contain("0").And.Not.Contain("O").And.Not.Contain("1").And.Not.Contain("I").And.Not.Contain("L"));
            Assert.That(Ids.Distinct().Count(), Is.EqualTo(Ids.Length));
        });
    }

    [Test]
    public void Should_parse_any_letter_case_with_or_without_hyphens()
    {
        var id = PrescriptionId.New();

        Assert.Multiple(() =>
        {
            Assert.That(PrescriptionId.Parse(id.ToString().ToLowerInvariant()), Is.EqualTo(id));
            Assert.That(PrescriptionId.Parse(id.Value), Is.EqualTo(id));
            Assert.That(PrescriptionId.TryParse(id.Value + "2", out _), Is.False);
            Assert.That(PrescriptionId.TryParse("", out _), Is.False);
            Assert.That(PrescriptionId.TryParse(null, out _), Is.False);
        });
    }

    [Test]
    public void Should_issue_six_digit_exchange_codes_and_compare_them_exactly()
    {
        var codes = Enumerable.Range(0, 200).Select(_ => ExchangeCode.New()).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(codes.Select(c => c.Value), Has.All.Match("^[0-9]{6}$"));
            Assert.That(codes.Select(c => c.Value).Distinct().Count(), Is.GreaterThan(190), "random, not sequential or constant");
            Assert.That(codes[0].Matches(codes[0].Value), Is.True);
            Assert.That(codes[0].Matches("12345"), Is.False);
            Assert.That(ExchangeCode.TryParse("12a456", out _), Is.False);
        });
    }
}
