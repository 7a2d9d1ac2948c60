using System.Diagnostics;
using Catalytic.Runner.Actions;
using Catalytic.Testing.Processes;

namespace Catalytic.Runner.Tests.Actions;

/// <summary>A time provider the test moves by hand.</summary>
internal sealed class ManualTime : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Records everything an action does through its <see cref="ActionContext"/>.</summary>
internal sealed class ActionProbe
{
    public Dictionary<string, string> Outputs { get; } = [];
    public Dictionary<string, string> Exported { get; } = [];
    public Dictionary<string, string> State { get; } = [];
    public List<string> Paths { get; } = [];
    public List<string> Log { get; } = [];
    public bool PostRegistered { get; set; }

    public string LogText => string.Join('\n', Log);

    public ActionContext Context(
        string workspace,
        IDictionary<string, string> inputs,
        string? runDirectory = null,
        string? stateDirectory = null,
        IDictionary<string, string>? github = null,
        IDictionary<string, string>? environment = null,
        string jobStatus = "success",
        TimeProvider? time = null,
        string? toolchainMirror = null) => new()
        {
            Inputs = new Dictionary<string, string>(inputs, StringComparer.OrdinalIgnoreCase),
            Workspace = workspace,
            RunnerTemp = Path.Combine(workspace, "..", "tmp"),
            RunDirectory = runDirectory ?? Path.Combine(workspace, ".catalytic", "runs", "1"),
            StateDirectory = stateDirectory ?? Path.Combine(workspace, ".catalytic"),
            Environment = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()),
            Github = new Dictionary<string, string>(github ?? new Dictionary<string, string>()),
            Log = Log.Add,
            SetOutput = (k, v) => Outputs[k] = v,
            ExportVariable = (k, v) => Exported[k] = v,
            AddPath = Paths.Add,
            AddMask = _ => { },
            SaveState = (k, v) => State[k] = v,
            State = new Dictionary<string, string>(State),
            RegisterPost = () => PostRegistered = true,
            JobStatus = jobStatus,
            Time = time ?? new Microsoft.Extensions.Time.Testing.FakeTimeProvider(),
            ToolchainMirror = toolchainMirror,
        };
}

/// <summary>A temporary folder removed at the end of the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "catalytic-actions-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public string Write(string relative, string content)
    {
        var full = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Runs git in a test repository.</summary>
internal static class Git
{
    public static string Run(string directory, params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["GIT_AUTHOR_NAME"] = info.Environment["GIT_COMMITTER_NAME"] = "Test";
        info.Environment["GIT_AUTHOR_EMAIL"] = info.Environment["GIT_COMMITTER_EMAIL"] = "test@example.invalid";
        var (code, stdout, stderr) = ProcessRun.Run(info);
        if (code != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)}: {stderr}");
        }

        return stdout.Trim();
    }

    /// <summary>A new repository on branch main; returns the workspace path.</summary>
    public static string Init(TempDir dir)
    {
        var ws = dir.Combine("ws");
        Directory.CreateDirectory(ws);
        Run(ws, "init", "--quiet", "-b", "main");
        Run(ws, "config", "commit.gpgsign", "false");
        return ws;
    }

    public static string Commit(string ws, string message, params (string Path, string? Content)[] files)
    {
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(ws, path);
            if (content is null)
            {
                File.Delete(full);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, content);
            }
        }

        Run(ws, "add", "-A");
        Run(ws, "commit", "--quiet", "-m", message);
        return Run(ws, "rev-parse", "HEAD");
    }
}
