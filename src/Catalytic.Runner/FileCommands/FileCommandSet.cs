namespace Catalytic.Runner.FileCommands;

/// <summary>The per-step files behind GITHUB_ENV, GITHUB_OUTPUT, GITHUB_PATH, GITHUB_STATE, GITHUB_STEP_SUMMARY.</summary>
internal sealed record FileCommandSet(string Env, string Output, string Path, string State, string Summary)
{
    public static FileCommandSet Create(string runnerTemp)
    {
        var dir = System.IO.Path.Combine(runnerTemp, "_runner_file_commands");
        Directory.CreateDirectory(dir);
        var id = Guid.NewGuid().ToString("N");
        var set = new FileCommandSet(
            System.IO.Path.Combine(dir, "set_env_" + id),
            System.IO.Path.Combine(dir, "set_output_" + id),
            System.IO.Path.Combine(dir, "add_path_" + id),
            System.IO.Path.Combine(dir, "save_state_" + id),
            System.IO.Path.Combine(dir, "step_summary_" + id));
        foreach (var f in new[] { set.Env, set.Output, set.Path, set.State, set.Summary })
        {
            // Fresh names: an exclusive create is an open and a close, without the truncation FileMode.Create asks for.
            File.OpenHandle(f, FileMode.CreateNew, FileAccess.Write).Dispose();
        }

        return set;
    }

    public void Apply(Dictionary<string, string> env)
    {
        env["GITHUB_ENV"] = Env;
        env["GITHUB_OUTPUT"] = Output;
        env["GITHUB_PATH"] = Path;
        env["GITHUB_STATE"] = State;
        env["GITHUB_STEP_SUMMARY"] = Summary;
    }

    /// <summary>What a step wrote to one of the files; the (unique) file is left for the job's temp folder cleanup.</summary>
    public static string Read(string path)
    {
        // Most steps write none of them: one stat instead of an open, a read and an unlink per file.
        var file = new FileInfo(path);
        return file.Exists && file.Length > 0 ? File.ReadAllText(path) : "";
    }
}
