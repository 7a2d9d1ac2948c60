using System.Globalization;
using System.Text.RegularExpressions;
using Catalytic.Contracts.Deployments;

namespace Catalytic.Server.Dashboard.Data;

/// <summary>One analysis check as the chart draws it: when, the verdict, and the numbers it measured.</summary>
/// <param name="P99Ms">Null when the window had no request.</param>
internal sealed record AnalysisPoint(DateTimeOffset At, string Version, string Verdict, long Requests, long Errors, double ErrorRate, double? P99Ms);

/// <summary>A deployment's analysis: its limits (null when the deployment was not analysed) and every check in order.</summary>
internal sealed record AnalysisView(double? MaxErrorRate, double? MaxP99Ms, int? FailureLimit, long? MinRequests, IReadOnlyList<AnalysisPoint> Checks);

/// <summary>
/// Reads a deployment's analysis back from its events. The engine records each check as an event in one fixed form
/// (Delivery's ReleaseAnalyzer: "analysis of V: pass: N requests, M errors (X%), p99 Yms") and the limits in the
/// "analysing … (max-error-rate X%, max-p99-latency Y, …)" transition; the events are the durable record (they
/// survive restarts and are what the CLI shows), so the chart is drawn from exactly what was recorded rather than
/// from a second copy. A line that does not match is skipped, never guessed at.
/// </summary>
internal static partial class AnalysisSeries
{
    public static AnalysisView From(IReadOnlyList<EventView> events)
    {
        double? maxRate = null, maxP99 = null;
        int? failureLimit = null;
        long? minRequests = null;
        var checks = new List<AnalysisPoint>();
        foreach (var e in events)
        {
            if (Limits().Match(e.Message) is { Success: true } l)
            {
                maxRate = Number(l.Groups["rate"].Value) / 100;
                maxP99 = l.Groups["p99"].Success ? Millis(l.Groups["p99"].Value, l.Groups["unit"].Value) : null;
                failureLimit = int.Parse(l.Groups["fl"].Value, CultureInfo.InvariantCulture);
                minRequests = long.Parse(l.Groups["mr"].Value, CultureInfo.InvariantCulture);
                continue;
            }

            if (Check().Match(e.Message) is { Success: true } c)
            {
                checks.Add(new AnalysisPoint(
                    e.At,
                    c.Groups["version"].Value,
                    c.Groups["verdict"].Value,
                    long.Parse(c.Groups["req"].Value, CultureInfo.InvariantCulture),
                    long.Parse(c.Groups["err"].Value, CultureInfo.InvariantCulture),
                    Number(c.Groups["rate"].Value) / 100,
                    c.Groups["p99"].Success ? Millis(c.Groups["p99"].Value, c.Groups["unit"].Value) : null));
            }
        }

        return new AnalysisView(maxRate, maxP99, failureLimit, minRequests, checks);
    }

    private static double Number(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static double Millis(string value, string unit) => Number(value) * unit switch
    {
        "s" => 1000,
        "m" => 60_000,
        _ => 1,
    };

    [GeneratedRegex(@"^analysis of (?<version>\S+): (?<verdict>pass|fail|inconclusive): (?:.*?\()?(?<req>\d+) requests, (?<err>\d+) errors \((?<rate>[\d.]+)%\), p99 (?:n/a|(?<p99>[\d.]+)(?<unit>ms|s|m))", RegexOptions.CultureInvariant)]
    private static partial Regex Check();

    [GeneratedRegex(@"\(max-error-rate (?<rate>[\d.]+)%(?:, max-p99-latency (?<p99>[\d.]+)(?<unit>ms|s|m))?, failure-limit (?<fl>\d+), min-requests (?<mr>\d+)\)", RegexOptions.CultureInvariant)]
    private static partial Regex Limits();
}
