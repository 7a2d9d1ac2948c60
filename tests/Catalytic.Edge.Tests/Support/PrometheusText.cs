using System.Globalization;
using System.Text.RegularExpressions;

namespace Catalytic.Edge.Tests.Support;

/// <summary>
/// A strict reader of the Prometheus text format 0.0.4, enough to reject what a scraper would reject: every sample
/// belongs to a family declared by one TYPE line before it, label values are correctly escaped, values are numbers,
/// histogram buckets are cumulative and end with le="+Inf" equal to _count.
/// </summary>
public sealed partial class PrometheusText
{
    private readonly Dictionary<(string Name, string Labels), double> _samples = [];

    public Dictionary<string, string> Types { get; } = [];

    public double Value(string name, string labels) =>
        _samples.TryGetValue((name, labels), out var v) ? v : throw new Xunit.Sdk.XunitException($"no sample {name}{{{labels}}}");

    public static PrometheusText Parse(string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var result = new PrometheusText();
        var helped = new HashSet<string>();
        var lineNo = 0;
        foreach (var line in text.Split('\n')[..^1])
        {
            lineNo++;
            var where = $"line {lineNo}: {line}";
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var m = HelpLine().Match(line);
                Assert.True(m.Success, where);
                Assert.True(helped.Add(m.Groups[1].Value), "second HELP " + where);
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var m = TypeLine().Match(line);
                Assert.True(m.Success, where);
                Assert.True(result.Types.TryAdd(m.Groups[1].Value, m.Groups[2].Value), "second TYPE " + where);
                continue;
            }

            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, "malformed sample " + where);
            var name = sample.Groups[1].Value;
            var family = result.Types.ContainsKey(name) ? name : HistogramSuffix().Replace(name, "");
            Assert.True(result.Types.TryGetValue(family, out var type), "sample before its TYPE " + where);
            Assert.True(family == name || type == "histogram", "suffix on a non-histogram " + where);
            var value = sample.Groups[3].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            var labels = sample.Groups[2].Value;
            Assert.True(result._samples.TryAdd((name, labels), value), "duplicate sample " + where);
        }

        result.CheckHistograms();
        return result;
    }

    private void CheckHistograms()
    {
        foreach (var (family, _) in Types.Where(t => t.Value == "histogram"))
        {
            var series = _samples.Keys.Where(k => k.Name == family + "_bucket")
                .GroupBy(k => LeLabel().Replace(k.Labels, ""));
            foreach (var s in series)
            {
                var buckets = s.Select(k => (Le: ParseLe(LeLabel().Match(k.Labels).Groups[1].Value), Count: _samples[k]))
                    .OrderBy(b => b.Le).ToList();
                Assert.Equal(double.PositiveInfinity, buckets[^1].Le);
                for (var i = 1; i < buckets.Count; i++)
                {
                    Assert.True(buckets[i].Count >= buckets[i - 1].Count, $"{family}{{{s.Key}}} buckets are not cumulative");
                }

                Assert.Equal(buckets[^1].Count, _samples[(family + "_count", s.Key)]);
                Assert.True(_samples.ContainsKey((family + "_sum", s.Key)));
            }
        }
    }

    private static double ParseLe(string le) =>
        le == "+Inf" ? double.PositiveInfinity : double.Parse(le, NumberStyles.Float, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (?:[^\\\n]|\\\\|\\n)*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    // name{label="value",...} number — label values may hold anything but raw backslash, quote or newline.
    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\\\|\\""|\\n)*"")(?:,[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\\\|\\""|\\n)*"")*)\} ([-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))$")]
    private static partial Regex SampleLine();

    [GeneratedRegex("_(bucket|sum|count)$")]
    private static partial Regex HistogramSuffix();

    [GeneratedRegex(@",?le=""([^""]*)""")]
    private static partial Regex LeLabel();
}
