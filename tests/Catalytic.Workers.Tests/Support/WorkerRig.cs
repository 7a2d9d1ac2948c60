using System.Text.Json.Nodes;
using Catalytic.Contracts.Server;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Hosting;
using Catalytic.Server.Hosting;
using Catalytic.Testing.Files;
using Catalytic.Testing.Network;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Workers.Tests.Support;

/// <summary>
/// A real <c>serve</c> (in-process, real Kestrel on loopback) whose queue is a <see cref="MemoryDispatcher"/>, with a
/// repository <c>app</c> in its mirrors folder (a bare clone, as the triggers keep them), and the real
/// <c>catalytic worker</c> to start against it.
/// </summary>
public sealed class WorkerRig : IAsyncDisposable
{
    public const string Repository = "app";

    private WorkerRig(TempFolder dir, TempGitRepository repo, string sha, int port)
    {
        Dir = dir;
        Repo = repo;
        Sha = sha;
        Port = port;
    }

    public TempFolder Dir { get; }

    public TempGitRepository Repo { get; }

    public string Sha { get; }

    public int Port { get; }

    public MemoryDispatcher Dispatcher { get; } = new();

    public CatalyticServer? Server { get; private set; }

    public string State => Dir[".catalytic"];

    public string Token => File.ReadAllText(Path.Combine(State, ServerFiles.Token)).Trim();

    public Uri Address => Server?.ApiAddress ?? throw new InvalidOperationException("not started");

    public static async Task<WorkerRig> StartAsync(IReadOnlyDictionary<string, string>? files = null)
    {
        var dir = new TempFolder("workers");
        var repo = await TempGitRepository.CreateAsync("worker-repo");
        var sha = await repo.CommitAsync("first", files ?? new Dictionary<string, string> { ["hello.txt"] = "hello from the mirror\n" });
        Directory.CreateDirectory(Path.Combine(dir[".catalytic"], "repositories"));
        await repo.GitAsync("clone", "-q", "--bare", repo.Path, Path.Combine(dir[".catalytic"], "repositories", Repository + ".git"));
        // serve needs one app; it never deploys here.
        dir.Write("catalytic.yml", $"apps:\n  web:\n    run: python3 app.py\n    environments:\n      production:\n        listen: 127.0.0.1:{Ports.FreeTcpPort()}\n        strategy: blue-green\n");
        var rig = new WorkerRig(dir, repo, sha, Ports.FreeTcpPort());
        await rig.StartServerAsync();
        return rig;
    }

    /// <summary>Starts serve (again) on the same port and state.</summary>
    public async Task StartServerAsync()
    {
        var options = new ServerOptions { StateDirectory = State, ConfigPath = Dir["catalytic.yml"], ApiPort = Port, Triggers = false, Dispatcher = Dispatcher };
        Server = new CatalyticServer(options, RealTime.Clock, NullLoggerFactory.Instance);
        Assert.Null(await Server.StartAsync());
    }

    public async Task StopServerAsync()
    {
        if (Server is not null)
        {
            await Eventually.CompletesAsync(Server.DisposeAsync().AsTask(), "the server to stop");
            Server = null;
        }
    }

    /// <summary>Starts <c>catalytic worker</c> for this server's state folder (its URL and token from there), with <paramref name="args"/> added.</summary>
    public CatalyticProcess.Running StartWorker(string name, params string[] args) =>
        CatalyticProcess.Start(Dir.Path, ["worker", "--state", State, "--name", name, "--work-dir", Dir["work-" + name], .. args]);

    /// <summary>A one-job workflow as the planner would hand it out.</summary>
    public JobSpec Spec(string workflow, string job = "build", int runNumber = 1, Dictionary<string, string>? secrets = null) => SpecAt(workflow, Sha, job, runNumber, secrets);

    /// <summary>The same for commit <paramref name="sha"/>.</summary>
    public JobSpec SpecAt(string workflow, string sha, string job = "build", int runNumber = 1, Dictionary<string, string>? secrets = null) => new()
    {
        Workflow = new WorkflowSource(".github/workflows/ci.yml", workflow, sha),
        JobId = job,
        Label = job,
        ReportId = job,
        Strategy = new JsonObject(),
        Needs = new JsonObject(),
        EventName = "push",
        EventPayload = new JsonObject(),
        Inputs = new JsonObject(),
        Vars = [],
        Env = [],
        Secrets = secrets ?? [],
        Run = new RunIdentity(runNumber.ToString(System.Globalization.CultureInfo.InvariantCulture), runNumber, 1, "local/app", sha, "refs/heads/main", "tester", Address.ToString()),
        Github = new JsonObject { ["repository"] = "local/app", ["sha"] = sha, ["ref"] = "refs/heads/main", ["run_number"] = runNumber.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        LogPath = $"ci/{job}.log",
        Settings = new JobSettings(JobContainerMode.Host, 5, 20, new Dictionary<string, string>()),
    };

    public async ValueTask DisposeAsync()
    {
        await StopServerAsync();
        Repo.Dispose();
        Dir.Dispose();
    }
}
