// Usage: CacheBench save|restore WORKSPACE STATE_DIR KEY PATH
// Runs the same code path as actions/cache (store lookup, tar archive, atomic write) on one tree.
using Catalytic.Runner.Actions;
using Catalytic.Runner.Actions.BuiltIn.Cache;

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
};

IBuiltinAction action = mode == "save" ? new CacheSaveAction() : new CacheRestoreAction();
var result = await action.RunAsync(context, CancellationToken.None);
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
