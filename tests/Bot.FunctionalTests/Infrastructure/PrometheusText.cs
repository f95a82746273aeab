using System.Globalization;
using System.Text.RegularExpressions;

namespace SupportBot.FunctionalTests.Infrastructure;

/// <summary>Reads samples from a Prometheus text exposition, as a scraper would.</summary>
public static partial class PrometheusText
{
    /// <summary>The sum of the samples of <paramref name="metric"/> whose labels include all of <paramref name="labels"/> (0 when none).</summary>
    public static double Sum(string exposition, string metric, params (string Name, string Value)[] labels) =>
        Samples(exposition, metric).Where(s => labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).Sum(s => s.Value);

    public static IEnumerable<(Dictionary<string, string> Labels, double Value)> Samples(string exposition, string metric)
    {
        foreach (var line in exposition.Split('\n'))
        {
            var match = Sample().Match(line.TrimEnd('\r'));
            if (!match.Success || match.Groups["name"].Value != metric)
            {
                continue;
            }

            var labels = Label().Matches(match.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value);
            yield return (labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$")]
    private static partial Regex Sample();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
