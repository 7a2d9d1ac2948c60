using System.Net;
using System.Net.Sockets;
using Catalytic.Status.Checks;
using Catalytic.Status.Checks.Probes;
using Catalytic.Status.Config;
using Catalytic.Status.Tests.Support;
using Catalytic.Testing.Waiting;

namespace Catalytic.Status.Tests.Checks;

/// <summary>Each probe kind against a real server on loopback made by the test.</summary>
public sealed class ProbeTests
{
    private static CheckConfig Check(string yaml)
    {
        var (config, errors) = StatusConfigParser.Parse("checks:\n  c:\n" + string.Join("\n", yaml.Split('\n').Select(l => "    " + l)));
        Assert.True(errors.IsEmpty, string.Join("\n", errors));
        return config!.Checks[0];
    }

    [Fact]
    public async Task Http_EveryConditionIsEvaluatedAndReported()
    {
        await using var target = new HttpTarget(Ports.Free());
        await target.StartAsync();
        target.Body = """{"status":"DOWN","items":[]}""";
        var check = Check($"""
            url: http://127.0.0.1:{target.Port}/health
            conditions: ["[STATUS] == 200", "[BODY].status == UP", "len([BODY].items) > 0", "[RESPONSE_TIME] < 5000"]
            """);
        // The response time is measured on the probes' clock, one that stands still here: 0 ms however loaded the machine.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(RealTime.Clock.GetUtcNow());
        using var probes = new ProbeSet(clock);
        var result = CheckResult.Evaluate(check, await probes.ProbeAsync(check, CancellationToken.None), clock.GetUtcNow());
        Assert.False(result.Success);
        Assert.Equal(
            [("[STATUS] (200) == 200", true), ("[BODY].status (DOWN) == UP", false), ("len([BODY].items) (0) > 0", false), ("[RESPONSE_TIME] (0) < 5000", true)],
            result.Conditions.Select(c => (c.Condition, c.Success)));
        Assert.Equal(200, result.HttpStatus);
    }

    [Fact]
    public async Task Http_RefusedAndSilentServers_FailWithTheReason()
    {
        var refused = Check($"url: http://127.0.0.1:{Ports.Free()}/\ntimeout: 2s");
        using var probes = new ProbeSet(RealTime.Clock);
        var r = await probes.ProbeAsync(refused, CancellationToken.None);
        Assert.Equal("connection refused", r.Error);
        Assert.False(CheckResult.Evaluate(refused, r, RealTime.Clock.GetUtcNow()).Success);

        // A server that accepts and never answers: the timeout ends the probe.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var slow = Check($"url: http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/\ntimeout: 300ms");
        var s = await probes.ProbeAsync(slow, CancellationToken.None);
        Assert.Equal("timed out after 300ms", s.Error);
    }

    [Fact]
    public async Task Http_HugeBody_IsReadOnlyUpToTheLimit()
    {
        await using var target = new HttpTarget(Ports.Free());
        await target.StartAsync();
        target.Body = new string('x', HttpProbe.MaxBody * 3);
        var check = Check($"url: http://127.0.0.1:{target.Port}/");
        using var probes = new ProbeSet(RealTime.Clock);
        var r = await probes.ProbeAsync(check, CancellationToken.None);
        Assert.Equal(HttpProbe.MaxBody, r.Body!.Length);
    }

    [Fact]
    public async Task Tcp_ConnectedOrNot()
    {
        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        using var probes = new ProbeSet(RealTime.Clock);
        var up = Check($"url: tcp://127.0.0.1:{((IPEndPoint)open.LocalEndpoint).Port}\nconditions: [\"[CONNECTED] == true\"]");
        Assert.True(CheckResult.Evaluate(up, await probes.ProbeAsync(up, CancellationToken.None), RealTime.Clock.GetUtcNow()).Success);
        var down = Check($"url: tcp://127.0.0.1:{Ports.Free()}\nconditions: [\"[CONNECTED] == true\"]");
        var r = CheckResult.Evaluate(down, await probes.ProbeAsync(down, CancellationToken.None), RealTime.Clock.GetUtcNow());
        Assert.False(r.Success);
        Assert.Equal("[CONNECTED] (false) == true", r.Conditions[0].Condition);
    }

    [Fact]
    public async Task Tls_ReadsTheCertificatesExpiry()
    {
        await using var tls = new TlsTarget(0, TimeSpan.FromDays(5));
        var check = Check($"url: tls://127.0.0.1:{tls.Port}\nconditions: [\"[CERTIFICATE_EXPIRATION] > 720h\"]");
        using var probes = new ProbeSet(RealTime.Clock);
        var probe = await probes.ProbeAsync(check, CancellationToken.None);
        Assert.True(probe.Connected, probe.Error);
        Assert.InRange(probe.CertificateExpiration!.Value.TotalDays, 4.9, 5.01);
        var result = CheckResult.Evaluate(check, probe, RealTime.Clock.GetUtcNow());
        Assert.False(result.Success);
        Assert.StartsWith("[CERTIFICATE_EXPIRATION] (4d23h", result.Conditions[0].Condition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dns_ReportsTheResponseCode()
    {
        // A DNS server on loopback answering NXDOMAIN for one name and an A record for another (a minimal responder
        // written here: Debian's DNS servers need root-owned configuration this test should not touch).
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
        using var stop = new CancellationTokenSource();
        var server = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                UdpReceiveResult q;
                try
                {
                    q = await udp.ReceiveAsync(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                var req = q.Buffer;
                var nameEnd = 12;
                while (req[nameEnd] != 0)
                {
                    nameEnd += req[nameEnd] + 1;
                }

                var question = req[12..(nameEnd + 5)];
                var known = System.Text.Encoding.ASCII.GetString(req, 13, req[12]) == "up";
                var answer = new List<byte> { req[0], req[1], 0x81, (byte)(known ? 0x80 : 0x83), 0, 1, 0, (byte)(known ? 1 : 0), 0, 0, 0, 0 };
                answer.AddRange(question);
                if (known)
                {
                    answer.AddRange([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, 3]);
                }

                await udp.SendAsync(answer.ToArray(), q.RemoteEndPoint);
            }
        });
        using var probes = new ProbeSet(RealTime.Clock);
        var up = Check($"url: dns://127.0.0.1:{port}/up.example.org\nconditions: [\"[DNS_RCODE] == NOERROR\", \"[IP] == 10.1.2.3\"]");
        var r1 = CheckResult.Evaluate(up, await probes.ProbeAsync(up, CancellationToken.None), RealTime.Clock.GetUtcNow());
        Assert.True(r1.Success, string.Join("; ", r1.Conditions.Select(c => c.Condition)) + r1.Error);
        var gone = Check($"url: dns://127.0.0.1:{port}/gone.example.org");
        var r2 = CheckResult.Evaluate(gone, await probes.ProbeAsync(gone, CancellationToken.None), RealTime.Clock.GetUtcNow());
        Assert.Equal("[DNS_RCODE] (NXDOMAIN) == NOERROR", r2.Conditions.Single().Condition);
        await stop.CancelAsync();
        await server;
    }
}
