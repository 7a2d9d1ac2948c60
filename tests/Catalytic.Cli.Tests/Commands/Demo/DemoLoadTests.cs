using Catalytic.Cli.Commands.Demo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Catalytic.Cli.Tests.Commands.Demo;

public sealed class DemoLoadTests
{
    [Fact]
    public async Task Switches_RequestsInFlightOnTheOldVersion_DoNotShowAsASwitchBack()
    {
        // A blue-green switch: requests that arrived before it are answered by v1, slowly; later ones by v2 at once. In the
        // order answers arrive, v2 comes before the last v1 answers.
        var switchAtTicks = long.MaxValue;
        var count = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/", async (HttpContext http) =>
        {
            var old = TimeProvider.System.GetTimestamp() < Interlocked.Read(ref switchAtTicks);
            http.Response.Headers["X-Catalytic-Version"] = old ? "v1" : "v2";
            if (old)
            {
                // Unequal delays keep the connections out of step, so some are still waiting on v1 when others get v2.
                await Task.Delay(60 * ((Interlocked.Increment(ref count) % 5) + 1), TestContext.Current.CancellationToken);
            }

            return "ok";
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        var load = new DemoLoad(url, 4, TimeSpan.FromMilliseconds(5));
        await using (load)
        {
            load.Start();
            await Task.Delay(500, TestContext.Current.CancellationToken);
            Interlocked.Exchange(ref switchAtTicks, TimeProvider.System.GetTimestamp());
            await Task.Delay(600, TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, load.Failed);
        Assert.Equal(["v1", "v2"], load.Switches.Select(s => s.Version));
    }
}
