using System.Collections.Immutable;
using Catalytic.Status.Conditions;
using Catalytic.Status.Config;

namespace Catalytic.Status.Checks;

/// <summary>Where a check stands.</summary>
public enum CheckStatus
{
    /// <summary>Not probed enough yet.</summary>
    Unknown,

    /// <summary>Every condition passes.</summary>
    Up,

    /// <summary>Only degraded-only conditions fail.</summary>
    Degraded,

    /// <summary>A deciding condition failed failure-threshold times in a row.</summary>
    Down,
}

/// <summary>One probe's verdict with every condition's outcome: what the history, the API and the page show.</summary>
/// <param name="Location">"local" for the server, or a worker's name.</param>
/// <param name="Success">Every condition that decides down passed.</param>
/// <param name="Degraded">Success, but a degraded-only condition failed.</param>
/// <param name="InMaintenance">Inside a maintenance window: recorded, never alerted on.</param>
public sealed record CheckResult(
    string Check,
    DateTimeOffset At,
    string Location,
    bool Success,
    bool Degraded,
    TimeSpan ResponseTime,
    int? HttpStatus,
    string? Error,
    ImmutableArray<ConditionResult> Conditions,
    TimeSpan? CertificateExpiration,
    bool InMaintenance)
{
    /// <summary>Evaluates every condition of <paramref name="check"/> against <paramref name="probe"/> (none is skipped after a failure).</summary>
    public static CheckResult Evaluate(CheckConfig check, ProbeResult probe, DateTimeOffset at, string location = CheckConfig.Local)
    {
        var results = check.Conditions.Select(c => c.Condition.Evaluate(probe, c.DegradedOnly)).ToImmutableArray();
        var success = results.Where(r => !r.DegradedOnly).All(r => r.Success);
        var degraded = success && results.Any(r => r.DegradedOnly && !r.Success);
        return new CheckResult(check.Name, at, location, success, degraded, probe.ResponseTime, probe.Status, probe.Error, results,
            probe.CertificateExpiration, check.Maintenance.Any(w => w.Contains(at)));
    }

    /// <summary>The status this one result votes for.</summary>
    public CheckStatus Vote => !Success ? CheckStatus.Down : Degraded ? CheckStatus.Degraded : CheckStatus.Up;
}

/// <summary>
/// The thresholds of one check at one location: down after failure-threshold failures in a row, up (or degraded)
/// again after success-threshold results that are not failures in a row; degraded after failure-threshold degraded
/// results. Gatus' semantics, so a single lost packet pages nobody.
/// </summary>
public sealed class CheckTracker(CheckConfig check)
{
    private CheckStatus _streakOf = CheckStatus.Unknown;
    private int _streak;

    /// <summary>The current status.</summary>
    public CheckStatus Status { get; private set; }

    /// <summary>When the last result of this location was taken (or its status restored); null before either.</summary>
    public DateTimeOffset? LastAt { get; private set; }

    /// <summary>Starts from a known status (restored after a restart from the open alerts), as if seen at <paramref name="at"/>.</summary>
    public void Restore(CheckStatus status, DateTimeOffset at) => (Status, LastAt) = (status, at);

    /// <summary>Takes one result; returns the new status when it changed.</summary>
    public CheckStatus? Observe(CheckResult result)
    {
        LastAt = result.At;
        var vote = result.Vote;
        _streak = vote == _streakOf ? _streak + 1 : 1;
        _streakOf = vote;
        var next = Status;
        if (vote == CheckStatus.Down)
        {
            if (_streak >= check.FailureThreshold)
            {
                next = CheckStatus.Down;
            }
        }
        else if (Status == CheckStatus.Down)
        {
            // Recovering: success-threshold passes in a row (degraded passes count as passes here).
            var passes = _streakOf is CheckStatus.Up or CheckStatus.Degraded ? _streak : 0;
            if (passes >= check.SuccessThreshold)
            {
                next = vote;
            }
        }
        else if (Status == CheckStatus.Unknown)
        {
            next = vote == CheckStatus.Degraded && _streak < check.FailureThreshold ? CheckStatus.Unknown : vote;
        }
        else if (vote == CheckStatus.Degraded && _streak >= check.FailureThreshold)
        {
            next = CheckStatus.Degraded;
        }
        else if (vote == CheckStatus.Up && Status == CheckStatus.Degraded && _streak >= check.SuccessThreshold)
        {
            next = CheckStatus.Up;
        }

        if (next == Status)
        {
            return null;
        }

        Status = next;
        return next;
    }

    /// <summary>
    /// The verdict of several locations: down when at least <paramref name="quorum"/> see it down, degraded when at least
    /// that many see it down or degraded, up when any sees it up; so one bad network path does not page anyone.
    /// </summary>
    public static CheckStatus Combine(IEnumerable<CheckStatus> locations, int quorum)
    {
        var all = locations.ToList();
        var down = all.Count(s => s == CheckStatus.Down);
        var degraded = all.Count(s => s == CheckStatus.Degraded);
        if (down >= quorum)
        {
            return CheckStatus.Down;
        }

        if (down + degraded >= quorum)
        {
            return CheckStatus.Degraded;
        }

        return all.Any(s => s is CheckStatus.Up or CheckStatus.Degraded) ? CheckStatus.Up : CheckStatus.Unknown;
    }
}
