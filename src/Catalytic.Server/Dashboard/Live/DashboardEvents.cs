using System.Text;
using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Storage;
using Catalytic.Pipelines.Runs;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Server.Dashboard.Live;

/// <summary>
/// The dashboard's live updates as Server-Sent Events (GET /api/dashboard/events). Every second (on the server's
/// clock) the stream compares a fingerprint of what the pages show — the newest deployments with their states, each
/// environment's running deployment, traffic plan, live version and instance health, the newest runs with the jobs of
/// those not completed, and the workers' load — with the last one sent, and sends <c>event: deployments</c> (the
/// name kept from when it carried only deployments; every page listens to it) when it changed; the page then reads its JSON again. A comment line every 15 s
/// keeps proxies from closing an idle stream. The engine has no change feed to subscribe to; comparing a bounded
/// read once a second per open page costs two small queries, and a page never misses a change it would show.
/// </summary>
internal static class DashboardEvents
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private const int KeepAliveEvery = 15;

    public static async Task StreamAsync(HttpContext http, DeliveryEngine engine, IDeliveryStore store, RunScheduler runs, TimeProvider time)
    {
        var ct = http.RequestAborted;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-store";
        // Tells a buffering proxy in front (nginx) to pass events on as they come.
        http.Response.Headers["X-Accel-Buffering"] = "no";
        await http.Response.WriteAsync("retry: 2000\n\n", ct);
        await http.Response.Body.FlushAsync(ct);
        string? last = null;
        var quiet = 0;
        var sent = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var now = await FingerprintAsync(engine, store, ct) + await RunsFingerprintAsync(runs.Store, ct);
                if (now != last)
                {
                    // The first one tells the page the stream is live; it has already drawn what it read.
                    await http.Response.WriteAsync($"event: {(last is null ? "hello" : "deployments")}\ndata: {++sent}\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                    last = now;
                    quiet = 0;
                }
                else if (++quiet >= KeepAliveEvery)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                    quiet = 0;
                }

                await Task.Delay(Interval, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The page went away: the normal end of a stream.
        }
    }

    private static async Task<string> FingerprintAsync(DeliveryEngine engine, IDeliveryStore store, CancellationToken ct)
    {
        var s = new StringBuilder();
        foreach (var d in await store.ListDeploymentsAsync(null, null, 20, ct))
        {
            s.Append(d.Id).Append(' ').Append((int)d.State).Append(' ').Append(d.UpdatedAt.UtcTicks).Append('\n');
        }

        foreach (var l in await store.ListLiveAsync(ct))
        {
            s.Append(l.App).Append('/').Append(l.Environment).Append('=').Append(l.Version).Append('\n');
        }

        var config = engine.Config;
        foreach (var a in config?.Apps ?? [])
        {
            foreach (var e in a.Environments)
            {
                var st = engine.State(a.Name, e.Name);
                s.Append(a.Name).Append('/').Append(e.Name).Append(' ').Append(st.Active?.Id).Append(' ').Append(st.Active?.GateOpen).Append(' ').Append(st.Warm?.Version);
                foreach (var p in st.Plan)
                {
                    s.Append(' ').Append(p.Version).Append(':').Append(p.Weight);
                }

                s.Append('\n');
            }
        }

        foreach (var i in engine.Supervisor.Instances)
        {
            s.Append(i.Id).Append(' ').Append(i.Health).Append(' ').Append(i.Restarts).Append('\n');
        }

        return s.ToString();
    }

    /// <summary>The runs pages' part: the newest runs, the jobs of those still going, and each worker's load.</summary>
    private static async Task<string> RunsFingerprintAsync(IRunStore store, CancellationToken ct)
    {
        var s = new StringBuilder();
        foreach (var r in await store.ListRunsAsync(new RunQuery { Limit = 30 }, ct))
        {
            s.Append('r').Append(r.Id).Append(' ').Append(r.Status).Append(' ').Append(r.Conclusion).Append(' ').Append(r.Attempt).Append(' ').Append(r.UpdatedAt.UtcTicks).Append('\n');
            if (r.Status != RunStatuses.Completed)
            {
                foreach (var j in await store.ListJobsAsync(r.Id, false, ct))
                {
                    s.Append(' ').Append(j.Key).Append(' ').Append(j.Status).Append(' ').Append(j.Conclusion).Append(' ').Append(j.Attempt).Append('\n');
                }
            }
        }

        foreach (var w in await store.ListWorkersAsync(ct))
        {
            s.Append('w').Append(w.Name).Append(' ').Append(w.Busy).Append(' ').Append(w.Capacity).Append(' ').Append(w.Lost).Append('\n');
        }

        return s.ToString();
    }
}
