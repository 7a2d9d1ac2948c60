using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Catalytic.Delivery.Routing;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Routing;

// bench/edge driver: runs one edge listener for bench/production.
//   Catalytic.Bench.EdgeDriver LISTEN VERSION=URL [VERSION=URL] [--switches N --interval-ms MS --delay-ms MS] [--tls CERT KEY]
// The first version takes all traffic. With --tls the listener terminates TLS with that PEM certificate and key. With --switches, after the delay the weights flip between the first two
// versions every interval, N times. On SIGTERM/SIGINT it stops and prints one summary line per version.
var listen = IPEndPoint.Parse(args[0]);
var versions = args.Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal))
    .Select(a => a.Split('=', 2)).Select(p => (Name: p[0], Url: new Uri(p[1]))).ToArray();
int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

var switches = Option("--switches", 0);
var interval = Option("--interval-ms", 50);
var delay = Option("--delay-ms", 1000);

var router = new EdgeRouter(TimeProvider.System);
RouteTable Table(int active) => new("bench", "production",
    [.. versions.Select((v, i) => new WeightedVersion(v.Name, i == active ? 100 : 0, [v.Url]))]);
router.Apply(Table(0));

// EDGE_LOOPS=0 uses Kestrel's socket transport instead of the edge's event loops (EdgeHostOptions.EventLoops; the relay
// needs the loops, so then YARP takes every request), EDGE_RELAY=0 turns off the relay
// (EdgeHostOptions.Relay: every request through Kestrel and YARP), for A/B runs.
var options = new EdgeHostOptions
{
    EventLoops = Environment.GetEnvironmentVariable("EDGE_LOOPS") != "0",
    Relay = Environment.GetEnvironmentVariable("EDGE_RELAY") != "0",
};
await using var host = new EdgeHost(router, options);
var tls = Array.IndexOf(args, "--tls");
await host.StartAsync(new EdgeListenerSpec(listen, [new EdgeRoute("bench", "production")])
{
    Certificates = tls >= 0 ? [new EdgeCertificateFiles(args[tls + 1], args[tls + 2])] : [],
});
Console.WriteLine($"edge listening on {listen}");

using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

var done = 0;
try
{
    if (switches > 0 && versions.Length >= 2)
    {
        await Task.Delay(delay, stop.Token);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(interval));
        while (done < switches && await timer.WaitForNextTickAsync(stop.Token))
        {
            done++;
            router.Apply(Table(done % 2));
        }

        Console.WriteLine($"switches: {done}");
    }

    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

foreach (var (name, _) in versions)
{
    var m = router.Read("bench", "production", name, TimeSpan.FromSeconds(300));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"version {name}: requests {m.Requests}, errors {m.Errors}, p99 {m.P99?.TotalMilliseconds:0.###} ms"));
}

var total = versions.Sum(v => router.Read("bench", "production", v.Name, TimeSpan.FromSeconds(300)).Requests);
Console.WriteLine($"switches done: {done}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"allocated: {GC.GetTotalAllocatedBytes() / Math.Max(1, total)} bytes/request, gen0 GCs {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}"));
