using System.Globalization;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Storage;
using Catalytic.Status.Storage;

namespace Catalytic.Status.Signals;

/// <summary>
/// Reads deployment outcomes from the delivery store — not from the engine's insides — and hands them to
/// <see cref="IAlertSignals"/>: a deployment that failed or rolled back since the last pass, one that succeeded (which
/// resolves earlier failures), and those waiting for approval (judged against `alerts.approval-waiting.after`). The
/// last change handed on is kept in the status store, so a restart neither repeats nor skips one.
/// </summary>
public sealed class DeploymentSignalSource(IDeliveryStore deliveries, IStatusStore store, IAlertSignals signals, TimeProvider time, Func<string, string?>? link = null)
{
    private const string CursorKey = "signals.deployments.cursor";

    /// <summary>One pass.</summary>
    public async Task PollAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var cursorText = await store.GetValueAsync(CursorKey, ct);
        if (cursorText is null)
        {
            // First start: what happened before status existed is history, not news.
            await store.SetValueAsync(CursorKey, now.UtcTicks.ToString(CultureInfo.InvariantCulture), ct);
            cursorText = now.UtcTicks.ToString(CultureInfo.InvariantCulture);
        }

        var cursor = new DateTimeOffset(long.Parse(cursorText, CultureInfo.InvariantCulture), TimeSpan.Zero);
        var recent = await deliveries.ListDeploymentsAsync(limit: 500, ct: ct);
        var next = cursor;
        foreach (var d in recent.Where(d => d.UpdatedAt > cursor).OrderBy(d => d.UpdatedAt))
        {
            if (d.State is DeploymentState.Failed or DeploymentState.RolledBack or DeploymentState.Succeeded)
            {
                await signals.DeploymentChangedAsync(View(d), ct);
            }

            next = d.UpdatedAt > next ? d.UpdatedAt : next;
        }

        if (next > cursor)
        {
            await store.SetValueAsync(CursorKey, next.UtcTicks.ToString(CultureInfo.InvariantCulture), ct);
        }

        await signals.ApprovalsWaitingAsync([.. recent.Where(d => d.State == DeploymentState.WaitingForApproval).Select(View)], now, ct);
        var week = recent.Where(d => d.State.IsTerminal() && d.State != DeploymentState.Superseded && d.UpdatedAt >= now - TimeSpan.FromDays(7));
        await signals.SuccessRatesAsync([.. week.GroupBy(d => (d.App, d.Environment))
            .Select(g => new SuccessRate(g.Key.App, g.Key.Environment, g.Count(d => d.State == DeploymentState.Succeeded), g.Count()))], ct);
    }

    private DeploymentChanged View(Deployment d) =>
        new(d.Id, d.App, d.Environment, d.Version, d.State.Name(), d.Reason, d.UpdatedAt, link?.Invoke(d.Id));
}
