using System.Collections.Immutable;
using Catalytic.Status.Storage;

namespace Catalytic.Status.Alerts;

/// <summary>
/// The alerts that exist now (firing, and recently resolved until the dispatcher has told people) and the silences.
/// Every change is written to the store before it is visible, so a restarted server knows what was firing and
/// what was acknowledged. Signals from checks, deployments, runs and workers all arrive through <see cref="ApplyAsync"/>.
/// </summary>
public sealed class AlertBook(IStatusStore store, TimeProvider time)
{
    /// <summary>How long a resolved alert stays in memory for the dispatcher to send its resolved message.</summary>
    public static readonly TimeSpan ResolvedRetention = TimeSpan.FromHours(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private ImmutableDictionary<string, Alert> _alerts = ImmutableDictionary<string, Alert>.Empty;
    private ImmutableArray<Silence> _silences = [];

    /// <summary>Raised after any change, so the dispatcher acts at once rather than at its next tick.</summary>
    public event Action? Changed;

    /// <summary>Alerts by fingerprint (an immutable snapshot).</summary>
    public ImmutableDictionary<string, Alert> Alerts => _alerts;

    /// <summary>Silences not yet ended.</summary>
    public ImmutableArray<Silence> Silences => _silences;

    /// <summary>Reads the firing and recently resolved alerts and the silences from the store.</summary>
    public async Task LoadAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var alerts = await store.ListAlertsAsync(now - ResolvedRetention, ct);
        _alerts = alerts.ToImmutableDictionary(a => a.Fingerprint, StringComparer.Ordinal);
        _silences = [.. await store.ListSilencesAsync(now, ct)];
    }

    /// <summary>Fires, updates or resolves the alert a signal names. Returns the alert as it now stands, or null when nothing changed.</summary>
    public async Task<Alert?> ApplyAsync(AlertSignal signal, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        Alert? changed;
        try
        {
            var now = time.GetUtcNow();
            var fp = Alert.FingerprintOf(signal.Labels);
            _alerts.TryGetValue(fp, out var existing);
            if (signal.Firing)
            {
                if (existing is { Firing: true })
                {
                    if (existing.InMaintenance == signal.InMaintenance && existing.Annotations.SequenceEqual(signal.Annotations))
                    {
                        return null;
                    }

                    changed = existing with { Annotations = signal.Annotations, InMaintenance = signal.InMaintenance, UpdatedAt = now };
                }
                else
                {
                    changed = new Alert { Labels = signal.Labels, Annotations = signal.Annotations, StartsAt = now, UpdatedAt = now, InMaintenance = signal.InMaintenance };
                }
            }
            else
            {
                if (existing is not { Firing: true })
                {
                    return null;
                }

                changed = existing with { EndsAt = now, UpdatedAt = now, InMaintenance = signal.InMaintenance };
            }

            await store.UpsertAlertAsync(changed, ct);
            _alerts = _alerts.SetItem(fp, changed);
        }
        finally
        {
            _gate.Release();
        }

        Changed?.Invoke();
        return changed;
    }

    /// <summary>Finds an alert by id (a1b2c3d4) or fingerprint.</summary>
    public Alert? Find(string idOrFingerprint) =>
        _alerts.Values.FirstOrDefault(a => a.Id == idOrFingerprint || a.Fingerprint == idOrFingerprint);

    /// <summary>Acknowledges a firing alert: no more repeats or escalation for it. Null when no such alert fires.</summary>
    public Task<Alert?> AckAsync(string idOrFingerprint, string by, CancellationToken ct = default) =>
        UpdateAsync(idOrFingerprint, a => a.Firing ? a with { AckedBy = by, AckedAt = time.GetUtcNow(), UpdatedAt = time.GetUtcNow() } : null, ct);

    /// <summary>Records that escalation reached step <paramref name="step"/>.</summary>
    public Task<Alert?> SetEscalationAsync(string fingerprint, int step, CancellationToken ct = default) =>
        UpdateAsync(fingerprint, a => a with { EscalationStep = step }, ct);

    /// <summary>Adds a silence (written first).</summary>
    public async Task AddSilenceAsync(Silence silence, CancellationToken ct = default)
    {
        await store.UpsertSilenceAsync(silence, ct);
        ImmutableInterlocked.Update(ref _silences, s => s.RemoveAll(x => x.Id == silence.Id).Add(silence));
        Changed?.Invoke();
    }

    /// <summary>Ends a silence now; null when there is no such silence.</summary>
    public async Task<Silence?> ExpireSilenceAsync(string id, CancellationToken ct = default)
    {
        if (_silences.FirstOrDefault(s => s.Id == id) is not { } silence)
        {
            return null;
        }

        var ended = silence with { EndsAt = time.GetUtcNow() };
        await AddSilenceAsync(ended, ct);
        return ended;
    }

    /// <summary>Drops resolved alerts older than <see cref="ResolvedRetention"/> and ended silences from memory (the store keeps them).</summary>
    public void Forget()
    {
        var now = time.GetUtcNow();
        ImmutableInterlocked.Update(ref _alerts, a => a.RemoveRange(a.Values.Where(x => x.EndsAt < now - ResolvedRetention).Select(x => x.Fingerprint)));
        ImmutableInterlocked.Update(ref _silences, s => s.RemoveAll(x => x.EndsAt < now));
    }

    private async Task<Alert?> UpdateAsync(string key, Func<Alert, Alert?> change, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        Alert? updated;
        try
        {
            if (Find(key) is not { } alert || change(alert) is not { } next)
            {
                return null;
            }

            await store.UpsertAlertAsync(next, ct);
            _alerts = _alerts.SetItem(next.Fingerprint, next);
            updated = next;
        }
        finally
        {
            _gate.Release();
        }

        Changed?.Invoke();
        return updated;
    }
}
