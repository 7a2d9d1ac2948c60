using System.Diagnostics;
using System.Text;
using Catalytic.Runner.Tests.Execution;
using Catalytic.Testing.Processes;

namespace Catalytic.Cli.Tests.Commands;

/// <summary>
/// `catalytic run` on a real terminal (a pseudo-terminal from util-linux `script`): a live footer of running jobs redrawn
/// with ANSI cursor movements, `::group::` folded; and plain lines without any control sequence when not a terminal.
/// </summary>
public sealed class LiveProgressTests : IDisposable
{
    private const string Workflow = """
        on: push
        jobs:
          slow:
            runs-on: x
            steps:
              - name: Work
                run: |
                  echo "::group::Details"
                  echo inside-the-group
                  echo "::endgroup::"
                  sleep 0.8
                  echo after-the-group
        """;

    private readonly TempRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    [Fact]
    public async Task Run_OnATerminal_DrawsALiveFooterFoldsGroupsAndLeavesACleanScreen()
    {
        var wf = _repo.WriteWorkflow(Workflow);
        var dll = Path.Combine(AppContext.BaseDirectory, "catalytic.dll");
        var psi = new ProcessStartInfo("script")
        {
            WorkingDirectory = _repo.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in new[] { "-q", "-e", "-f", "-c", $"dotnet '{dll}' run -W '{wf}'", "/dev/null" })
        {
            psi.ArgumentList.Add(a);
        }

        var script = await ProcessRun.RunAsync(psi, stdin: "");
        var raw = script.Out;
        Assert.True(script.Code == 0, raw);

        // While the job runs, a dim footer line names it and its step; each new line first moves up over the footer and clears it.
        Assert.Contains("\e[2m  ⋯ slow › Work (", raw, StringComparison.Ordinal);
        Assert.Contains("\e[1F\e[J", raw, StringComparison.Ordinal);

        // A group is folded to its title on a terminal.
        Assert.Contains("[slow/Work] ▸ Details", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("inside-the-group", raw, StringComparison.Ordinal);

        // The final screen: every line the run printed, the footer gone, the summary at the end.
        var screen = Screen.Render(raw);
        Assert.DoesNotContain(screen, l => l.Contains('⋯', StringComparison.Ordinal));
        Assert.Contains("[slow/Work] after-the-group", screen);
        Assert.Contains(screen, l => l.StartsWith("slow", StringComparison.Ordinal) && l.Contains("success", StringComparison.Ordinal));
        Assert.StartsWith("run ", screen.Last(l => l.Length > 0), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NotOnATerminal_WritesPlainLinesWithGroupsUnfolded()
    {
        var wf = _repo.WriteWorkflow(Workflow);
        using var cli = new CliProcess(_repo.Root, "run", "-W", wf);
        Assert.Equal(0, await cli.ExitCodeAsync(Catalytic.Testing.Waiting.Eventually.DefaultDeadline));
        Assert.DoesNotContain('\e', cli.Output);
        Assert.DoesNotContain("⋯", cli.Output, StringComparison.Ordinal);
        var lines = cli.Output.Split('\n');
        Assert.Contains("[slow/Work] ::group:: Details", lines);
        Assert.Contains("[slow/Work] inside-the-group", lines);
        Assert.Contains("[slow/Work] after-the-group", lines);
    }

    /// <summary>A minimal terminal: applies CR, LF, `ESC[nF` (up n lines to column 1), `ESC[J` (clear to the end) and skips SGR colours.</summary>
    private static class Screen
    {
        public static List<string> Render(string raw)
        {
            var lines = new List<StringBuilder> { new() };
            var row = 0;
            var col = 0;
            for (var i = 0; i < raw.Length; i++)
            {
                var c = raw[i];
                if (c == '\e' && i + 1 < raw.Length && raw[i + 1] == '[')
                {
                    var j = i + 2;
                    while (j < raw.Length && (char.IsDigit(raw[j]) || raw[j] == ';'))
                    {
                        j++;
                    }

                    var arg = raw[(i + 2)..j];
                    var n = arg.Length == 0 ? 1 : int.Parse(arg.Split(';')[0], System.Globalization.CultureInfo.InvariantCulture);
                    switch (raw[j])
                    {
                        case 'F':
                            row = Math.Max(0, row - n);
                            col = 0;
                            break;
                        case 'J':
                            lines[row].Length = Math.Min(lines[row].Length, col);
                            lines.RemoveRange(row + 1, lines.Count - row - 1);
                            break;
                    }

                    i = j;
                    continue;
                }

                switch (c)
                {
                    case '\r':
                        col = 0;
                        break;
                    case '\n':
                        row++;
                        if (row == lines.Count)
                        {
                            lines.Add(new StringBuilder());
                        }

                        break;
                    default:
                        var line = lines[row];
                        if (col < line.Length)
                        {
                            line[col] = c;
                        }
                        else
                        {
                            line.Append(c);
                        }

                        col++;
                        break;
                }
            }

            return [.. lines.Select(l => l.ToString())];
        }
    }
}
