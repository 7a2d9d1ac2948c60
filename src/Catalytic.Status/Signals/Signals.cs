using System.Collections.Immutable;
using System.Globalization;
using Catalytic.Platform.Text;
using Catalytic.Status.Alerts;
using Catalytic.Status.Config;

namespace Catalytic.Status.Signals;

/// <summary>A pipeline run finished (raised by the pipeline server for runs on the default branch or a tag).</summary>
/// <param name="Conclusion">success, failure, cancelled…</param>
/// <param name="Link">The run's page, shown in every notification.</param>
public sealed record RunFinished(string Repository, string Workflow, string Ref, bool IsDefaultBranchOrTag, string RunId, string Conclusion, TimeSpan Duration, DateTimeOffset At, string? Link = null);

/// <summary>A worker stopped renewing its lease (lost), or came back.</summary>
public sealed record WorkerChanged(string Worker, bool Lost, string Reason, DateTimeOffset At);

/// <summary>A deployment reached a state people must hear about.</summary>
/// <param name="State">failed, rolled-back, succeeded (resolves the earlier failure), or waiting-for-approval.</param>
/// <param name="Since">When it entered the state (for an approval: when it started to wait).</param>
public sealed record DeploymentChanged(string Id, string App, string Environment, string Version, string State, string Reason, DateTimeOffset Since, string? Link = null);

/// <summary>Deployments of (app, environment) that ended in the last 7 days, and how many succeeded.</summary>
public sealed record SuccessRate(string App, string Environment, int Succeeded, int Total);

/// <summary>
/// Where the built-in signals enter alerting. The pipeline server calls <see cref="RunFinishedAsync"/> and
/// <see cref="WorkerChangedAsync"/>; the deployment adapter calls <see cref="DeploymentChangedAsync"/>. Each turns an
/// event into an alert that fires, or resolves the alert an earlier event raised.
/// </summary>
public interface IAlertSignals
{
    /// <summary>A failed run on the default branch or a tag fires run-failed for (repository, workflow, ref); a later success resolves it.</summary>
    Task RunFinishedAsync(RunFinished run, CancellationToken ct = default);

    /// <summary>A lost worker fires worker-lost; its return resolves it.</summary>
    Task WorkerChangedAsync(WorkerChanged worker, CancellationToken ct = default);

    /// <summary>failed / rolled-back fire deployment-failed / deployment-rolled-back for (app, environment); succeeded resolves them.</summary>
    Task DeploymentChangedAsync(DeploymentChanged deployment, CancellationToken ct = default);

    /// <summary>Re-evaluates waiting approvals against `alerts.approval-waiting.after` (called on a timer).</summary>
    Task ApprovalsWaitingAsync(IReadOnlyList<DeploymentChanged> waiting, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Fires deployment-success-rate for environments under `alerts.deployment-success-rate.below` over 7 days (at least 3 deployments); resolves the others.</summary>
    Task SuccessRatesAsync(IReadOnlyList<SuccessRate> rates, CancellationToken ct = default);
}

/// <summary>The built-in signals as alerts, with each kind's severity, runbook and on/off from `alerts:`.</summary>
public sealed class AlertSignals(Func<StatusConfig> config, AlertBook book) : IAlertSignals
{
    /// <inheritdoc/>
    public async Task RunFinishedAsync(RunFinished run, CancellationToken ct = default)
    {
        if (!run.IsDefaultBranchOrTag)
        {
            return;
        }

        var failed = run.Conclusion is "failure" or "timed_out" or "startup_failure";
        if (!failed && run.Conclusion != "success")
        {
            // A cancelled or skipped run says nothing about whether the workflow works: it neither fires nor resolves.
            return;
        }

        await RaiseAsync("run-failed", failed,
            new Dictionary<string, string> { ["repository"] = run.Repository, ["workflow"] = run.Workflow, ["ref"] = run.Ref },
            $"{run.Workflow} failed on {run.Ref} ({run.Repository})",
            $"run {run.RunId} ended {run.Conclusion} after {Durations.FormatRounded(run.Duration)}", run.Link, ct);
    }

    /// <inheritdoc/>
    public Task WorkerChangedAsync(WorkerChanged worker, CancellationToken ct = default) =>
        RaiseAsync("worker-lost", worker.Lost, new Dictionary<string, string> { ["worker"] = worker.Worker },
            $"worker {worker.Worker} is lost", worker.Reason, null, ct);

    /// <inheritdoc/>
    public async Task DeploymentChangedAsync(DeploymentChanged d, CancellationToken ct = default)
    {
        var labels = new Dictionary<string, string> { ["app"] = d.App, ["environment"] = d.Environment, ["deployment"] = d.Id };
        switch (d.State)
        {
            case "failed":
                await RaiseAsync("deployment-failed", true, labels, $"deployment of {d.App} {d.Version} to {d.Environment} failed", $"{d.Id}: {d.Reason}", d.Link, ct);
                break;
            case "rolled-back":
                await RaiseAsync("deployment-rolled-back", true, labels, $"{d.App} {d.Version} was rolled back in {d.Environment}", $"{d.Id}: {d.Reason}", d.Link, ct);
                break;
            case "succeeded":
                // A release that went live in the environment resolves every earlier failure there.
                foreach (var a in book.Alerts.Values.Where(a => a.Firing && a.Name is "deployment-failed" or "deployment-rolled-back"
                             && a.Labels.GetValueOrDefault("app") == d.App && a.Labels.GetValueOrDefault("environment") == d.Environment))
                {
                    await book.ApplyAsync(new AlertSignal(a.Labels, a.Annotations, false), ct);
                }

                break;
        }
    }

    /// <inheritdoc/>
    public async Task ApprovalsWaitingAsync(IReadOnlyList<DeploymentChanged> waiting, DateTimeOffset now, CancellationToken ct = default)
    {
        var limit = config().Kind("approval-waiting").After;
        var over = waiting.Where(w => now - w.Since >= limit).ToDictionary(w => w.Id, StringComparer.Ordinal);
        foreach (var w in over.Values)
        {
            await RaiseAsync("approval-waiting", true, new Dictionary<string, string> { ["app"] = w.App, ["environment"] = w.Environment, ["deployment"] = w.Id },
                $"{w.App} {w.Version} has waited {Durations.FormatRounded(now - w.Since)} for approval in {w.Environment}",
                $"approve with: catalytic approve {w.App} --env {w.Environment} --id {w.Id}", w.Link, ct);
        }

        foreach (var stale in book.Alerts.Values.Where(a => a.Firing && a.Name == "approval-waiting" && !over.ContainsKey(a.Labels.GetValueOrDefault("deployment", ""))))
        {
            await book.ApplyAsync(new AlertSignal(stale.Labels, stale.Annotations, false), ct);
        }
    }

    /// <inheritdoc/>
    public async Task SuccessRatesAsync(IReadOnlyList<SuccessRate> rates, CancellationToken ct = default)
    {
        var below = config().Kind("deployment-success-rate").Threshold;
        foreach (var r in rates)
        {
            var rate = (double)r.Succeeded / r.Total;
            await RaiseAsync("deployment-success-rate", r.Total >= 3 && rate < below,
                new Dictionary<string, string> { ["app"] = r.App, ["environment"] = r.Environment },
                $"{Percent(rate)} of deployments of {r.App} to {r.Environment} succeeded in 7 days (under {Percent(below)})",
                $"{r.Succeeded} of {r.Total} deployments succeeded", null, ct);
        }
    }

    private async Task RaiseAsync(string kind, bool firing, Dictionary<string, string> labels, string summary, string description, string? link, CancellationToken ct)
    {
        var settings = config().Kind(kind);
        if (!settings.Enabled)
        {
            return;
        }

        var l = labels.ToImmutableSortedDictionary(StringComparer.Ordinal).SetItem("alertname", kind).SetItem("severity", settings.Severity);
        if (!firing)
        {
            // Resolving needs only the labels; the alert keeps the annotations it fired with.
            if (book.Alerts.TryGetValue(Alert.FingerprintOf(l), out var existing))
            {
                await book.ApplyAsync(new AlertSignal(l, existing.Annotations, false), ct);
            }

            return;
        }

        var a = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal).Add("summary", summary).Add("description", description);
        if (settings.Runbook is { } runbook)
        {
            a = a.Add("runbook", runbook);
        }

        if (link is not null)
        {
            a = a.Add("link", link);
        }

        await book.ApplyAsync(new AlertSignal(l, a, true), ct);
    }

    /// <summary>Formats a share for summaries (99.5%).</summary>
    internal static string Percent(double f) => (f * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
