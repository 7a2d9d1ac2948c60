using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Catalytic.Testing.Apps;
using Catalytic.Testing.Files;
using Catalytic.Testing.Network;
using Catalytic.Testing.Waiting;

namespace Catalytic.Testing.Tests.Apps;

public sealed class TestAppTests
{
    /// <summary>
    /// A test looks for "echo TEXT\n" in the app's log (ServeProcessTests, after the server's SIGKILL reset the edge's
    /// connections). Those resets make the app's other threads write tracebacks into the same output at the same time,
    /// and with PYTHONUNBUFFERED (set on the test machines) a print() is several writes another thread can get between.
    /// </summary>
    [Fact]
    public async Task Echo_WhileResetConnectionsWriteTracebacks_WritesItsLineWhole()
    {
        using var dir = new TempFolder("testapp");
        var app = TestApp.Write(dir.Path, "v1");
        var log = dir["out.log"];
        var port = Ports.FreeTcpPort();
        var psi = new ProcessStartInfo("/bin/sh") { WorkingDirectory = app, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec python3 app.py >>\"$LOG\" 2>&1 </dev/null");
        psi.Environment["LOG"] = log;
        psi.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        psi.Environment["PYTHONUNBUFFERED"] = "1";
        using var python = Process.Start(psi)!;
        try
        {
            await Eventually.UntilAsync(() => Read(log).Contains("listening on", StringComparison.Ordinal), "the app to start", ct: TestContext.Current.CancellationToken);
            using var http = new HttpClient();
            const int Rounds = 10;
            for (var round = 0; round < Rounds; round++)
            {
                await ResetAnsweredConnectionsAsync(port, 40);
                using var answer = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/echo/round-{round}"), TestContext.Current.CancellationToken);
                answer.EnsureSuccessStatusCode();
            }

            Assert.Contains("ConnectionResetError", Read(log), StringComparison.Ordinal); // the other threads did write
            await Eventually.UntilAsync(() => Enumerable.Range(0, Rounds).All(r => Read(log).Contains($"echo round-{r}\n", StringComparison.Ordinal)),
                () => "every echo line whole in the log; it has: " + string.Join(" | ", Read(log).Split('\n').Where(l => l.Contains("round-", StringComparison.Ordinal))), ct: TestContext.Current.CancellationToken);
        }
        finally
        {
            python.Kill();
            await python.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Opens <paramref name="count"/> keep-alive connections, reads an answer on each, then resets them all at once.</summary>
    private static async Task ResetAnsweredConnectionsAsync(int port, int count)
    {
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(s);
                await s.ConnectAsync(IPAddress.Loopback, port);
                await s.SendAsync("GET / HTTP/1.1\r\nHost: app\r\n\r\n"u8.ToArray());
            }

            foreach (var s in sockets)
            {
                // The answer (headers, then a body ending in a newline) read: the app's thread now waits for the next request.
                var received = new StringBuilder();
                var buffer = new byte[4096];
                while (received.ToString() is var text && !(text.Contains("\r\n\r\n", StringComparison.Ordinal) && text.EndsWith('\n') && !text.EndsWith("\r\n\r\n", StringComparison.Ordinal)))
                {
                    var n = await s.ReceiveAsync(buffer);
                    Assert.True(n > 0, "the app closed a connection before answering: " + text);
                    received.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
            }

            foreach (var s in sockets)
            {
                s.LingerState = new LingerOption(true, 0); // close sends RST: the app's read fails with ECONNRESET
                s.Close();
            }
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    private static string Read(string path) => File.Exists(path) ? File.ReadAllText(path) : "";
}
