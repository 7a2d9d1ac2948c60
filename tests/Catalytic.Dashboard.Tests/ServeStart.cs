using System.Text.Json;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Server;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;

namespace Catalytic.Dashboard.Tests;

/// <summary>How the dashboard fixtures start their `catalytic serve`.</summary>
internal static class ServeStart
{
    /// <summary>
    /// Starts `catalytic serve` in <paramref name="directory"/> and waits until it has written the initial admin's
    /// password and the whole of server.json (the file exists before its content is written); returns what it says.
    /// </summary>
    public static async Task<(CatalyticProcess.Running Serve, ServerInfo Info)> StartAsync(string directory, string state)
    {
        Directory.CreateDirectory(state);
        var serve = CatalyticProcess.Start(directory, ["serve"]);
        var info = Path.Combine(state, ServerFiles.Info);
        await Eventually.UntilAsync(() =>
        {
            Assert.False(serve.Process.HasExited, "catalytic serve exited:\n" + serve.Output);
            return File.Exists(Path.Combine(state, ServerFiles.InitialAdminPassword)) && File.Exists(info)
                && File.ReadAllText(info).TrimEnd().EndsWith('}');
        }, () => "catalytic serve writing server.json and the initial admin's password; it printed:\n" + serve.Output);
        return (serve, JsonSerializer.Deserialize(File.ReadAllText(info), ApiJson.Default.ServerInfo)!);
    }
}
