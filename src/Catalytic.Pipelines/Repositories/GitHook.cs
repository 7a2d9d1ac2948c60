namespace Catalytic.Pipelines.Repositories;

/// <summary>
/// The git hook <c>catalytic hook install</c> writes, opt-in: git's <c>reference-transaction</c> hook (run after every
/// ref update: a commit, a merge, a reset, a push into the repository, a new tag) asks the running server to read the
/// repository's refs at once. The server watches the refs anyway; the hook only removes the wait for a file-system
/// notification (or the poll, where there is none). A hook file the user wrote is never overwritten.
/// </summary>
public static class GitHook
{
    /// <summary>The hook git runs after a ref transaction.</summary>
    public const string HookName = "reference-transaction";

    /// <summary>The line that marks a hook file as ours.</summary>
    public const string Marker = "# catalytic hook:";

    /// <summary>What installing did: the file written, or why nothing was.</summary>
    public sealed record Result(bool Ok, string Message, string? File = null);

    /// <summary>The hook's text, calling <paramref name="catalytic"/> to notify repository <paramref name="repository"/> of the server whose state is <paramref name="state"/>.</summary>
    public static string Script(string catalytic, string state, string repository) =>
        "#!/bin/sh\n" +
        $"{Marker} tells `catalytic serve` at once that this repository's refs changed.\n" +
        "# Written by `catalytic hook install`; `catalytic hook uninstall` removes it.\n" +
        "cat >/dev/null\n" +
        "if [ \"$1\" = committed ]; then\n" +
        $"  {Quote(catalytic)} hook notify --state {Quote(state)} --repo {Quote(repository)} >/dev/null 2>&1 &\n" +
        "fi\n" +
        "exit 0\n";

    /// <summary>Installs the hook into the repository at <paramref name="repository"/> (its hooks folder, core.hooksPath respected).</summary>
    public static Result Install(string repository, string catalytic, string state, string name)
    {
        if (HookPath(repository) is not { } path)
        {
            return new Result(false, $"{repository} is not a git repository");
        }

        if (File.Exists(path) && !File.ReadAllText(path).Contains(Marker, StringComparison.Ordinal))
        {
            return new Result(false, $"{path} exists and is not catalytic's; nothing was written. To notify the server from it, add:\n  {Quote(catalytic)} hook notify --state {Quote(state)} --repo {Quote(name)} &", path);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, Script(catalytic, state, name));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        return new Result(true, $"wrote {path}: after every ref change git runs `catalytic hook notify --repo {name}`", path);
    }

    /// <summary>Removes the hook if it is ours.</summary>
    public static Result Uninstall(string repository)
    {
        if (HookPath(repository) is not { } path)
        {
            return new Result(false, $"{repository} is not a git repository");
        }

        if (!File.Exists(path))
        {
            return new Result(true, $"no hook at {path}; nothing to remove", path);
        }

        if (!File.ReadAllText(path).Contains(Marker, StringComparison.Ordinal))
        {
            return new Result(false, $"{path} is not catalytic's; left as it is", path);
        }

        File.Delete(path);
        return new Result(true, $"removed {path}", path);
    }

    private static string? HookPath(string repository)
    {
        var hooks = Runner.Context.GithubContextBuilder.RunGit(repository, "rev-parse", "--path-format=absolute", "--git-path", "hooks");
        return hooks is null ? null : Path.Combine(hooks, HookName);
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
