using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Catalytic.Status.Conditions;
using Catalytic.Status.Config;
using Catalytic.Status.Hosting;
using Catalytic.Storage.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

// bench/checks driver.
//   target PORT                         a local HTTP server answering {"status":"UP"} (its own process: its CPU is not counted)
//   baseline URL N INTERVAL MEASURE     N bare HttpClient GETs per INTERVAL, paced by one timer
//   checks URL N INTERVAL MEASURE DB    N Catalytic checks (scheduler, probes, conditions, monitor, SQLite results)
// Prints one line: mode, probes in the measured window, CPU seconds, CPU ms per check, share of one core, lateness p99.
var mode = args[0];
if (mode == "target")
{
    var b = WebApplication.CreateSlimBuilder();
    b.Logging.ClearProviders();
    b.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, int.Parse(args[1], CultureInfo.InvariantCulture)));
    var app = b.Build();
    app.Run(ctx => ctx.Response.WriteAsync("{\"status\":\"UP\"}"));
    await app.RunAsync();
    return 0;
}

var url = args[1];
var n = int.Parse(args[2], CultureInfo.InvariantCulture);
var interval = TimeSpan.FromSeconds(double.Parse(args[3], CultureInfo.InvariantCulture));
var measure = TimeSpan.FromSeconds(double.Parse(args[4], CultureInfo.InvariantCulture));
var me = Process.GetCurrentProcess();
long probes = 0;
var lateness = new List<double>();
var gate = new Lock();

if (mode == "baseline")
{
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 });
    var stop = new CancellationTokenSource();
    var loop = Task.Run(async () =>
    {
        // One timer paces N requests evenly over each interval, as the simplest possible uptime checker would.
        var every = interval / n;
        var next = Stopwatch.GetTimestamp();
        var i = 0;
        while (!stop.IsCancellationRequested)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            next += (long)(every.TotalSeconds * Stopwatch.Frequency);
            var target = new Uri($"{url}/{i++ % n}");
            _ = Task.Run(async () =>
            {
                using var r = await http.GetAsync(target);
                var body = await r.Content.ReadAsStringAsync();
                if (body.Contains("UP", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref probes);
                }
            });
        }
    });
    await Report(interval, measure, () => Interlocked.Read(ref probes));
    await stop.CancelAsync();
    return 0;
}

var (condition, _) = ConditionParser.Parse("[STATUS] == 200");
var (body, _) = ConditionParser.Parse("[BODY].status == UP");
var checks = Enumerable.Range(0, n).Select(i => new CheckConfig
{
    Name = "c" + i,
    Url = new Uri($"{url}/{i}"),
    Kind = CheckKind.Http,
    Interval = interval,
    Timeout = TimeSpan.FromSeconds(10),
    Conditions = [new CheckCondition(condition!, false), new CheckCondition(body!, false)],
}).ToImmutableArray();
await using var store = new SqliteStatusStore(args[5]);
await store.InitializeAsync();
await using var service = new StatusService(new StatusServiceOptions
{
    Config = StatusConfig.Empty with { Checks = checks },
    Store = store,
    StateDirectory = Path.GetDirectoryName(args[5])!,
    Time = TimeProvider.System,
});
var measuring = false;
service.Scheduler.Lateness += late =>
{
    if (Volatile.Read(ref measuring))
    {
        lock (gate)
        {
            lateness.Add(late.TotalMilliseconds);
        }
    }
};
service.Metrics.CheckResults.WithLabels("c0", "up"); // warm the family
await service.StartAsync();
await Report(interval, measure, () => (long)Enumerable.Range(0, n).Sum(i => service.Metrics.CheckResults.WithLabels("c" + i, "up").Value), () => Volatile.Write(ref measuring, true));
return 0;

async Task Report(TimeSpan warmup, TimeSpan window, Func<long> count, Action? start = null)
{
    // The first interval spreads the first probes and warms the JIT; the measured window is steady state.
    await Task.Delay(warmup);
    start?.Invoke();
    me.Refresh();
    var cpu0 = me.TotalProcessorTime;
    var n0 = count();
    var wall = Stopwatch.StartNew();
    await Task.Delay(window);
    me.Refresh();
    var cpu = (me.TotalProcessorTime - cpu0).TotalSeconds;
    var done = count() - n0;
    double p99;
    lock (gate)
    {
        lateness.Sort();
        p99 = lateness.Count == 0 ? double.NaN : lateness[(int)Math.Ceiling(0.99 * lateness.Count) - 1];
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{mode} probes={done} cpu_s={cpu:0.00} cpu_ms_per_check={cpu * 1000 / Math.Max(1, done):0.000} core_share={cpu / wall.Elapsed.TotalSeconds * 100:0.00}% lateness_p99_ms={p99:0.0}"));
}
