using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Server;
using Catalytic.Pipelines.Runs;
using Catalytic.Storage.Runs;
using Catalytic.Testing.Files;
using Catalytic.Testing.Logs;
using Catalytic.Testing.Network;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;

namespace Catalytic.Workers.Tests.Support;

/// <summary>
/// The whole thing as a user runs it: a git repository served by a real <c>catalytic serve</c> process (its own run
/// queue, in SQLite or in a PostgreSQL schema of the test's own), real <c>catalytic worker</c> processes holding a worker
/// token from <c>catalytic worker token create</c>, and the store read directly to check what was recorded.
/// </summary>
public sealed class ServeProcessRig : IAsyncDisposable
{
    private readonly List<CatalyticProcess.Running> _workers = [];
    private readonly string? _postgres;
    private readonly string? _schema;
    private readonly Dictionary<string, string> _workerTokens = new(StringComparer.Ordinal);

    private readonly TempGitRepository _repo;

    private ServeProcessRig(TempGitRepository repo, string backend, string? state)
    {
        _repo = repo;
        Backend = backend;
        State = state ?? Dir[".catalytic"];
        if (backend == "postgres")
        {
            _postgres = Environment.GetEnvironmentVariable("CATALYTIC_TEST_POSTGRES");
            _schema = "e2e_" + Guid.NewGuid().ToString("N")[..10];
        }
    }

    public string Backend { get; }

    /// <summary>The served repository's working tree.</summary>
    public TempFolder Dir => _repo.Folder;

    /// <summary>serve's state folder (.catalytic in the repository unless the test gives another).</summary>
    public string State { get; }

    public CatalyticProcess.Running? Serve { get; private set; }

    /// <summary>The served repository's name (its folder's).</summary>
    public string Repository => new DirectoryInfo(Dir.Path).Name;

    /// <summary>Skips the test when <paramref name="backend"/> is PostgreSQL and CATALYTIC_TEST_POSTGRES is not set.</summary>
    public static async Task<ServeProcessRig> CreateAsync(string backend, string? extraConfig = null, string? state = null)
    {
        if (backend == "postgres")
        {
            Assert.SkipWhen(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CATALYTIC_TEST_POSTGRES")), "CATALYTIC_TEST_POSTGRES is not set (./test.sh starts PostgreSQL)");
        }

        var rig = new ServeProcessRig(await TempGitRepository.CreateAsync("serve-e2e"), backend, state);
        // serve needs one app; it never deploys here.
        rig.Dir.Write("catalytic.yml", $"apps:\n  web:\n    run: python3 app.py\n    environments:\n      production:\n        listen: 127.0.0.1:{Ports.FreeTcpPort()}\n{extraConfig}");
        rig.Dir.Write(".gitignore", ".catalytic*/\nwork-*/\n");
        await rig.CommitAsync("the configuration");
        return rig;
    }

    /// <summary>The connection string serve and the test use (the test's own schema), or null for SQLite.</summary>
    private string? Postgres => _postgres is null ? null : _postgres + ";Search Path=" + _schema;

    /// <summary>Starts serve (again) with <paramref name="capacity"/> embedded slots and waits until its first scan adopted the repository.</summary>
    public async Task StartServeAsync(int capacity = 0, IReadOnlyList<string>? args = null)
    {
        if (Serve is not null)
        {
            await Serve.DisposeAsync();
        }

        Directory.CreateDirectory(State);
        File.Delete(Path.Combine(State, ServerFiles.Info));
        List<string> all = ["serve", "--worker-capacity", capacity.ToString(System.Globalization.CultureInfo.InvariantCulture), "--state", State, .. args ?? []];
        if (Postgres is { } pg)
        {
            all.AddRange(["--postgres", pg]);
        }

        var serve = Serve = CatalyticProcess.Start(Dir.Path, all);
        await Eventually.UntilAsync(() =>
        {
            Assert.False(serve.Process.HasExited, "catalytic serve exited:\n" + serve.Output);
            try
            {
                return JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(State, ServerFiles.Info)), ApiJson.Default.ServerInfo) is not null;
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                return false; // not written yet, or half-written
            }
        }, () => "catalytic serve writing server.json; it printed:\n" + serve.Output);

        // The first scan adopts the repository as it is; only commits after it start runs.
        using var http = Api();
        await Eventually.UntilAsync(async () =>
            JsonNode.Parse(await http.GetStringAsync(new Uri("api/repositories", UriKind.Relative)))?.AsArray().FirstOrDefault()?["last_fetch"] is not null,
            () => "the served repository's first scan; serve printed:\n" + serve.Output);
    }

    public Uri ServerUrl => new(JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(State, ServerFiles.Info)), ApiJson.Default.ServerInfo)!.Url);

    /// <summary>The API with the server's own (admin) token.</summary>
    public HttpClient Api()
    {
        var http = new HttpClient { BaseAddress = ServerUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(State, ServerFiles.Token)).Trim());
        return http;
    }

    /// <summary>The worker token of worker <paramref name="name"/> (created once with <c>catalytic worker token create --name NAME</c>: a token is tied to its worker).</summary>
    public async Task<string> WorkerTokenAsync(string name)
    {
        if (!_workerTokens.TryGetValue(name, out var token))
        {
            var created = await CatalyticProcess.RunAsync(Dir.Path, ["worker", "token", "create", "--name", name, "--state", State]);
            Assert.True(created.Code == 0, created.ToString());
            _workerTokens[name] = token = created.Out.Trim();
        }

        return token;
    }

    /// <summary>Starts a real <c>catalytic worker</c> with its own worker token.</summary>
    public async Task<CatalyticProcess.Running> StartWorkerAsync(string name, int capacity = 1, string? labels = null, bool once = false)
    {
        var token = await WorkerTokenAsync(name);
        var worker = CatalyticProcess.Start(Dir.Path,
            ["worker", "--server", ServerUrl.ToString(), "--name", name, "--capacity", capacity.ToString(System.Globalization.CultureInfo.InvariantCulture), "--work-dir", Dir["work-" + name], .. labels is null ? Array.Empty<string>() : ["--labels", labels], .. once ? ["--once"] : Array.Empty<string>()],
            new Dictionary<string, string> { ["CATALYTIC_WORKER_TOKEN"] = token });
        _workers.Add(worker);
        return worker;
    }

    /// <summary>The run store serve writes (a second connection to it).</summary>
    public IRunStore OpenStore() => Postgres is null
        ? new SqliteRunStore(Path.Combine(State, "catalytic.db"))
        : new PostgresRunStore(_postgres!, _schema!);

    /// <summary>The run of <paramref name="sha"/> once it is completed.</summary>
    public async Task<RunRecord> CompletedRunAsync(string sha, Func<string>? also = null, Func<RunRecord, bool>? which = null)
    {
        await using var store = OpenStore();
        RunRecord? run = null;
        await Eventually.UntilAsync(async () =>
        {
            run = (await store.ListRunsAsync(new RunQuery())).FirstOrDefault(r => r.Sha == sha && (which is null || which(r)));
            return run?.Status == RunStatuses.Completed;
        }, () => $"a completed run of {sha} (the run: {run?.Status ?? "none"} {run?.Reason}); serve printed:\n{Serve?.Output}\n{also?.Invoke()}", TimeSpan.FromMinutes(3));
        return run!;
    }

    /// <summary>The text of every line the store holds for <paramref name="job"/> (all attempts).</summary>
    public static Task<string> LogAsync(IRunStore store, JobRecord job) => StoredLog.TextAsync(store.ReadLogAsync(job.Id, null, 0), c => c.Data);

    /// <summary>Commits everything in the repository; returns the commit's sha.</summary>
    public Task<string> CommitAsync(string message) => _repo.CommitAsync(message);

    /// <summary>Kills what a SIGKILLed worker left behind: the step processes whose command line holds <paramref name="marker"/>.</summary>
    public static void KillOrphans(string marker)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Contains(marker, StringComparison.Ordinal))
                {
                    using var p = Process.GetProcessById(pid);
                    p.Kill();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone meanwhile.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var w in _workers)
        {
            await w.DisposeAsync();
        }

        if (Serve is not null)
        {
            await Serve.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await using var c = new Npgsql.NpgsqlConnection(_postgres);
            await c.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE", c);
            await cmd.ExecuteNonQueryAsync();
        }

        _repo.Dispose();
    }
}
