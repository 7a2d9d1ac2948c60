using System.Text.Json;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Server;
using Catalytic.Testing.Files;
using Catalytic.Testing.Network;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;
using Catalytic.Workers.Tests.Support;

namespace Catalytic.Workers.Tests;

/// <summary>The verbs' own input: <c>catalytic worker</c>'s options and a refused token, <c>serve --listen</c>.</summary>
public sealed class WorkerCommandTests
{
    [Theory]
    [InlineData("--capacity", "0", "--capacity")]
    [InlineData("--capacity", "many", "--capacity")]
    [InlineData("--labels", "gpu,has space", "--labels")]
    [InlineData("--name", "no/slash", "--name")]
    [InlineData("--server", "ftp://example.com/", "--server")]
    public async Task Worker_BadOption_Exits2NamingIt(string option, string value, string named)
    {
        using var dir = new TempFolder("worker-usage");
        var args = new List<string> { "worker", option, value };
        if (option != "--server")
        {
            args.AddRange(["--server", "http://127.0.0.1:9/", "--token", "t"]);
        }

        var result = await CatalyticProcess.RunAsync(dir.Path, args);
        Assert.True(result.Code == 2, result.ToString());
        Assert.Contains(named, result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_WithoutAServer_Exits2SayingSo()
    {
        using var dir = new TempFolder("worker-usage");
        var result = await CatalyticProcess.RunAsync(dir.Path, ["worker", "--state", dir["none"]]);
        Assert.True(result.Code == 2, result.ToString());
        Assert.Contains("no server runs", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_WithATokenTheServerRefuses_Exits2_AndNeverPrintsTheToken()
    {
        await using var rig = await WorkerRig.StartAsync();
        var result = await CatalyticProcess.RunAsync(rig.Dir.Path, ["worker", "--server", rig.Address.ToString(), "--name", "w1", "--work-dir", rig.Dir["w"]],
            new Dictionary<string, string> { ["CATALYTIC_WORKER_TOKEN"] = "not-the-token-0123" });
        Assert.True(result.Code == 2, result.ToString());
        Assert.Contains("401", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-token-0123", result.Out + result.Err, StringComparison.Ordinal);
        Assert.Empty(rig.Dispatcher.Workers);
    }

    [Fact]
    public async Task Serve_ListeningOnAWildcard_WritesAURLNamingThisMachine()
    {
        using var dir = new TempFolder("serve-listen");
        dir.Write("catalytic.yml", $"apps:\n  web:\n    run: python3 app.py\n    environments:\n      production:\n        listen: 127.0.0.1:{Ports.FreeTcpPort()}\n        strategy: blue-green\n");
        var port = Ports.FreeTcpPort();
        await using var serve = CatalyticProcess.Start(dir.Path, ["serve", "--listen", $"0.0.0.0:{port}"]);
        var info = dir[".catalytic/" + ServerFiles.Info];
        // serve writes the file in place: it is read once it is whole.
        await Eventually.UntilAsync(() => File.Exists(info) && File.ReadAllText(info).EndsWith('}'), () => "server.json\n" + serve.Output);
        var url = new Uri(JsonSerializer.Deserialize(File.ReadAllText(info), ApiJson.Default.ServerInfo)!.Url);
        Assert.Equal(System.Net.Dns.GetHostName(), url.Host);
        Assert.Equal(port, url.Port);
    }

    [Fact]
    public async Task Serve_ListenThatIsNoAddress_Exits2()
    {
        using var dir = new TempFolder("serve-listen");
        var result = await CatalyticProcess.RunAsync(dir.Path, ["serve", "--listen", "example.com:80"]);
        Assert.True(result.Code == 2, result.ToString());
        Assert.Contains("--listen", result.Err, StringComparison.Ordinal);
    }
}
