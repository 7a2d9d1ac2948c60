using System.Globalization;
using System.Text.Json;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Routing;
using Catalytic.Delivery.Time;

namespace Catalytic.Delivery.Analysis;

/// <summary>The judgement of one check or of a whole analysis.</summary>
public enum Verdict
{
    /// <summary>Within every limit with enough traffic.</summary>
    Pass,

    /// <summary>A limit was exceeded.</summary>
    Fail,

    /// <summary>Too little traffic to judge.</summary>
    Inconclusive,
}

/// <summary>One analysis check with the numbers it measured.</summary>
public sealed record AnalysisCheck(Verdict Verdict, long Requests, long Errors, double ErrorRate, TimeSpan? P99, string Message);

/// <summary>The end of an analysis: its verdict, the reason with the numbers, and the last check.</summary>
public sealed record AnalysisOutcome(Verdict Verdict, string Reason, AnalysisCheck? Last);

/// <summary>
/// Judges a version on the edge's per-version metrics (error rate, p99) and an optional extra metric, at each
/// interval over the window. <see cref="AnalysisConfig.FailureLimit"/> consecutive failures end it as failed;
/// checks with fewer than <see cref="AnalysisConfig.MinRequests"/> requests are inconclusive rather than guessed.
/// </summary>
public sealed class ReleaseAnalyzer(IVersionMetricsSource metrics, TimeProvider time, HttpClient? http = null)
{
    /// <summary>How long the extra metric's request may take (on the analysis clock, not the HTTP client's).</summary>
    private static readonly TimeSpan MetricTimeout = TimeSpan.FromSeconds(5);

    private readonly HttpClient _http = http ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Runs one check of <paramref name="version"/> now.</summary>
    public async Task<AnalysisCheck> CheckAsync(string app, string environment, string version, AnalysisConfig config, CancellationToken ct)
    {
        var m = metrics.Read(app, environment, version, config.Window);
        var numbers = $"{m.Requests} requests, {m.Errors} errors ({Percent(m.ErrorRate)}), p99 {(m.P99 is { } p ? Units.Format(p) : "n/a")}";
        // The extra metric does not depend on the edge's traffic: a failing one is conclusive even when traffic is low.
        var metricProblem = config.Metric is { } metric ? await ExtraMetricAsync(metric, app, environment, version, ct) : null;
        if (m.Requests < config.MinRequests && metricProblem is null)
        {
            return new AnalysisCheck(Verdict.Inconclusive, m.Requests, m.Errors, m.ErrorRate, m.P99,
                $"inconclusive: {numbers} in the last {Units.Format(config.Window)} (fewer than min-requests {config.MinRequests})");
        }

        var problems = new List<string>();
        if (m.Requests < config.MinRequests)
        {
            return new AnalysisCheck(Verdict.Fail, m.Requests, m.Errors, m.ErrorRate, m.P99, $"fail: {metricProblem} ({numbers})");
        }

        if (m.ErrorRate > config.MaxErrorRate)
        {
            problems.Add($"error rate {Percent(m.ErrorRate)} > max-error-rate {Percent(config.MaxErrorRate)}");
        }

        if (config.MaxP99Latency is { } maxP99 && m.P99 is { } p99 && p99 > maxP99)
        {
            problems.Add($"p99 {Units.Format(p99)} > max-p99-latency {Units.Format(maxP99)}");
        }

        if (metricProblem is not null)
        {
            problems.Add(metricProblem);
        }

        return problems.Count == 0
            ? new AnalysisCheck(Verdict.Pass, m.Requests, m.Errors, m.ErrorRate, m.P99, $"pass: {numbers}")
            : new AnalysisCheck(Verdict.Fail, m.Requests, m.Errors, m.ErrorRate, m.P99, $"fail: {string.Join("; ", problems)} ({numbers})");
    }

    /// <summary>
    /// Checks every interval for <paramref name="duration"/>; ends early as failed after failure-limit consecutive
    /// failures, and goes on past the duration while the latest check failed (until the streak reaches failure-limit
    /// or a check does not fail). Ends inconclusive when no check in the whole period had enough traffic.
    /// </summary>
    public async Task<AnalysisOutcome> RunAsync(string app, string environment, string version, AnalysisConfig config, TimeSpan duration,
        Func<AnalysisCheck, Task> onCheck, CancellationToken ct)
    {
        var start = time.GetTimestamp();
        var consecutive = 0;
        AnalysisCheck? last = null;
        AnalysisCheck? lastConclusive = null; // the last check with enough traffic to pass or fail; null: none had
        using var timer = new PeriodicTimer(config.Interval, time);
        while (await timer.WaitForNextTickAsync(ct))
        {
            last = await CheckAsync(app, environment, version, config, ct);
            await onCheck(last);
            switch (last.Verdict)
            {
                case Verdict.Fail:
                    lastConclusive = last;
                    if (++consecutive >= config.FailureLimit)
                    {
                        return new AnalysisOutcome(Verdict.Fail, $"{consecutive} consecutive failed checks (failure-limit {config.FailureLimit}); last: {last.Message}", last);
                    }

                    break;
                case Verdict.Pass:
                    lastConclusive = last;
                    consecutive = 0;
                    break;
                default:
                    break;
            }

            // A window never ends on a failed check: a release is not declared good while the latest evidence says
            // otherwise. Each check past the window either fails (and failure-limit ends the streak as a failure) or
            // does not, which ends the analysis — at most failure-limit - 1 extra checks.
            if (time.GetElapsedTime(start) >= duration && last.Verdict != Verdict.Fail)
            {
                break;
            }
        }

        // A failed check followed only by checks with too little traffic is no evidence the release is good: a person
        // decides (an inconclusive outcome), as with no evidence at all.
        return lastConclusive is null
            ? new AnalysisOutcome(Verdict.Inconclusive, $"analysis inconclusive: too little traffic over {Units.Format(duration)}; last check {last?.Message ?? "none"}", last)
            : lastConclusive.Verdict == Verdict.Fail
            ? new AnalysisOutcome(Verdict.Inconclusive, $"analysis inconclusive: the last check with enough traffic failed ({lastConclusive.Message}) and the checks after it had too little; last check {last?.Message}", last)
            : new AnalysisOutcome(Verdict.Pass, $"analysis passed over {Units.Format(duration)}; last check {last?.Message}", last);
    }

    private async Task<string?> ExtraMetricAsync(MetricCheck metric, string app, string environment, string version, CancellationToken ct)
    {
        string Fill(string s) => s.Replace("{version}", version, StringComparison.Ordinal).Replace("{app}", app, StringComparison.Ordinal)
            .Replace("{environment}", environment, StringComparison.Ordinal);
        using var deadline = new Deadline(MetricTimeout, time, ct);
        try
        {
            if (metric.Query is null)
            {
                using var r = await _http.GetAsync(new Uri(Fill(metric.Url)), deadline.Token);
                return r.IsSuccessStatusCode ? null : $"metric check {Fill(metric.Url)} answered {(int)r.StatusCode}";
            }

            var url = new Uri(new Uri(Fill(metric.Url).TrimEnd('/') + "/"), "api/v1/query?query=" + Uri.EscapeDataString(Fill(metric.Query)));
            using var doc = JsonDocument.Parse(await _http.GetStringAsync(url, deadline.Token));
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            if (result.GetArrayLength() == 0)
            {
                return null;
            }

            var value = double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            return value > metric.Max ? $"metric {Fill(metric.Query)} = {value.ToString("0.####", CultureInfo.InvariantCulture)} > max {metric.Max?.ToString(CultureInfo.InvariantCulture)}" : null;
        }
        catch (OperationCanceledException) when (deadline.Expired && !ct.IsCancellationRequested)
        {
            return $"metric check failed: no answer within {Units.Format(MetricTimeout)}";
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            return $"metric check failed: {e.Message}";
        }
    }

    private static string Percent(double f) => (f * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
