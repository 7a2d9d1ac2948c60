// Usage: CacheBench save|restore WORKSPACE STATE_DIR KEY PATH
// Runs the same code path as actions/cache (store lookup, tar archive, atomic write) on one tree.
using Catalytic.Runner.Actions;
using Catalytic.Runner.Actions.BuiltIn.Cache;

// Locks between .NET processes are advisory on Linux and the cache store never relies on them (it writes a
// temporary file and renames it): skip the flock call .NET makes on every file open. Must precede any file I/O.
AppContext.SetSwitch("System.IO.DisableFileLocking", true);

if (args.Length == 3 && args[0] == "profile")
{
    // profile WORKSPACE PATH: the save's two halves timed apart (walk, archive write), no store involved.
    var ws = Path.GetFullPath(args[1]);
    var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
    var found = Catalytic.Runner.Actions.BuiltIn.Globbing.PathPatternSet.Parse([args[2]], ws, "/root").FindFiles(followSymlinks: false);
    var t1 = System.Diagnostics.Stopwatch.GetTimestamp();
    using (var output = new FileStream(Path.Combine(ws, "..", "profile.tar"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
    {
        CacheArchive.Write(output, ws, found.Select(f => (f.FullPath, f.IsSymlink, f.Info)));
    }

    var t2 = System.Diagnostics.Stopwatch.GetTimestamp();
    Console.WriteLine($"walk {System.Diagnostics.Stopwatch.GetElapsedTime(t0, t1).TotalSeconds:0.000}s ({found.Count} files), write {System.Diagnostics.Stopwatch.GetElapsedTime(t1, t2).TotalSeconds:0.000}s");
    return 0;
}

if (args.Length != 5 || args[0] is not ("save" or "restore"))
{
    Console.Error.WriteLine("usage: CacheBench save|restore WORKSPACE STATE_DIR KEY PATH");
    return 2;
}

var (mode, workspace, state, key, path) = (args[0], Path.GetFullPath(args[1]), Path.GetFullPath(args[2]), args[3], args[4]);
var outputs = new Dictionary<string, string>();
var context = new ActionContext
{
    Inputs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["key"] = key, ["path"] = path },
    Workspace = workspace,
    RunnerTemp = Path.GetTempPath(),
    RunDirectory = state,
    StateDirectory = state,
    Environment = new Dictionary<string, string>(),
    Github = new Dictionary<string, string>(),
    Log = Console.Error.WriteLine,
    SetOutput = (name, value) => outputs[name] = value,
    ExportVariable = (_, _) => { },
    AddPath = _ => { },
    AddMask = _ => { },
    SaveState = (_, _) => { },
    RegisterPost = () => { },
    Time = TimeProvider.System,
};

IBuiltinAction action = mode == "save" ? new CacheSaveAction() : new CacheRestoreAction();
var started = System.Diagnostics.Stopwatch.GetTimestamp();
var result = await action.RunAsync(context, CancellationToken.None);
// The time inside the action (what a step costs in the runner's process), for run.sh to report beside the process time.
Console.WriteLine($"{System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:0.000}");
if (!result.Succeeded)
{
    Console.Error.WriteLine(result.Message);
    return 1;
}

if (mode == "restore" && outputs.GetValueOrDefault("cache-hit") != "true")
{
    Console.Error.WriteLine("restore: no exact cache hit");
    return 1;
}

return 0;
