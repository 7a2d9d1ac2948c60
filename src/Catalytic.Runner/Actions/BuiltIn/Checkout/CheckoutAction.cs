using Catalytic.Runner.Actions.BuiltIn.Processes;

namespace Catalytic.Runner.Actions.BuiltIn.Checkout;

/// <summary>
/// `actions/checkout` on the host. The workspace already is the repository, so with no `path` the step checks
/// that `ref` is what the workspace has checked out and changes nothing: Catalytic never switches the branch of,
/// cleans or resets the developer's own working tree (GitHub's default `clean: true` there would wipe
/// uncommitted work), and says so in the log. With `path`, the local repository is cloned into that subfolder
/// (`fetch-depth: 1` by default, `0` for all history, N for a shallow clone), `ref` checked out there, and an
/// existing checkout there cleaned (`git clean -ffdx`, `git reset --hard`) when `clean` is true. A `repository`
/// other than this one fails: nothing is fetched from the network.
/// </summary>
public sealed class CheckoutAction : IBuiltinAction
{
    public IReadOnlyList<string> Names { get; } = ["actions/checkout"];

    public async Task<ActionResult> RunAsync(ActionContext context, CancellationToken cancellationToken)
    {
        var repository = context.Get("repository");
        var own = context.GithubValue("repository");
        if (repository.Length > 0 && !string.Equals(repository, own, StringComparison.OrdinalIgnoreCase))
        {
            return ActionResult.Fail(
                $"actions/checkout: repository '{repository}' is another repository" + (own.Length > 0 ? $" (this run's is '{own}')" : string.Empty) +
                "; Catalytic runs offline on the local repository only. Check it out yourself in a `run:` step (git clone from a local path) or vendor it into this repository.");
        }

        var top = await ProcessRunner.GitAsync(context.Workspace, cancellationToken, "rev-parse", "--show-toplevel");
        if (!top.Succeeded)
        {
            return ActionResult.Fail($"actions/checkout: the workspace {context.Workspace} is not a git repository: {top.ErrorText}");
        }

        var source = top.StdOut.Trim();
        var pathInput = context.Get("path");
        var target = pathInput.Length == 0 ? context.Workspace : Path.GetFullPath(Path.Combine(context.Workspace, pathInput));
        var workspace = Path.GetFullPath(context.Workspace).TrimEnd('/');
        if (target != workspace && !target.StartsWith(workspace + "/", StringComparison.Ordinal))
        {
            return ActionResult.Fail($"actions/checkout: repository path '{target}' is not under '{workspace}'");
        }

        var refInput = context.Get("ref");
        var wantedRef = refInput.Length > 0 ? refInput : (context.GithubValue("sha") is { Length: > 0 } sha ? sha : "HEAD");
        var resolved = await ProcessRunner.GitAsync(source, cancellationToken, "rev-parse", "--verify", "--quiet", wantedRef + "^{commit}");
        if (!resolved.Succeeded)
        {
            return ActionResult.Fail($"actions/checkout: ref '{wantedRef}' does not exist in the local repository {source}; only local branches, tags and commits can be checked out (no fetching from a remote)");
        }

        var commit = resolved.StdOut.Trim();
        return target == workspace
            ? await WorkspaceAsync(context, source, wantedRef, commit, cancellationToken)
            : await SubfolderAsync(context, source, target, wantedRef, commit, cancellationToken);
    }

    private static async Task<ActionResult> WorkspaceAsync(ActionContext context, string source, string wantedRef, string commit, CancellationToken ct)
    {
        var head = (await ProcessRunner.GitAsync(source, ct, "rev-parse", "HEAD")).StdOut.Trim();
        if (head != commit)
        {
            return ActionResult.Fail(
                $"actions/checkout: ref '{wantedRef}' is commit {commit[..12]} but the workspace has {(head.Length >= 12 ? head[..12] : head)} checked out. " +
                "Catalytic does not switch the branch of your own working tree; set `path:` to check that ref out into a subfolder, or check it out yourself and run again.");
        }

        if (context.GetBool("clean", true))
        {
            context.Log(context.WorkspaceIsCheckout
                ? "clean: already done — the workspace is the worker's own checkout of this commit for this job, with nothing left from an earlier job."
                : "clean: skipped for the workspace — it is your own working tree, and Catalytic never deletes uncommitted or untracked work there.");
        }

        var depth = context.Get("fetch-depth");
        if (depth.Length > 0 && depth != "1" && depth != "0")
        {
            context.Log($"fetch-depth: {depth} has no effect on the workspace, which keeps its full local history.");
        }

        context.Log($"The workspace {context.Workspace} already is the repository at {commit[..12]}.");
        await SetOutputsAsync(context, wantedRef, commit, source, ct);
        return ActionResult.Success;
    }

    private static async Task<ActionResult> SubfolderAsync(ActionContext context, string source, string target, string wantedRef, string commit, CancellationToken ct)
    {
        var depthText = context.Get("fetch-depth") is { Length: > 0 } d ? d : "1";
        if (!int.TryParse(depthText, out var depth) || depth < 0)
        {
            return ActionResult.Fail($"actions/checkout: fetch-depth '{depthText}' is not a number (0 fetches all history)");
        }

        var existing = Directory.Exists(Path.Combine(target, ".git"));
        if (!existing)
        {
            if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            {
                if (!context.GetBool("clean", true))
                {
                    return ActionResult.Fail($"actions/checkout: {target} exists, is not empty and is not a git checkout (clean: false keeps it)");
                }

                Directory.Delete(target, recursive: true);
            }

            Directory.CreateDirectory(target);
            var init = await Git(target, ct, "init", "--quiet");
            if (!init.Succeeded)
            {
                return ActionResult.Fail($"actions/checkout: git init in {target} failed: {init.ErrorText}");
            }

            await Git(target, ct, "remote", "add", "origin", source);
        }
        else if (context.GetBool("clean", true))
        {
            // Only ever a checkout this action made under the workspace, never the user's own tree.
            await Git(target, ct, "clean", "-ffdx");
            await Git(target, ct, "reset", "--hard", "--quiet");
        }

        // file:// makes git honour --depth for a local source; the upload-pack flag lets a commit id be fetched directly.
        var fetch = new List<string>
        {
            "-c", "protocol.file.allow=always", "fetch", "--quiet", "--no-tags",
            "--upload-pack", "git -c uploadpack.allowAnySHA1InWant=true upload-pack",
        };
        if (depth > 0)
        {
            fetch.Add($"--depth={depth}");
        }

        fetch.Add("file://" + source);
        fetch.Add(commit);
        if (depth == 0)
        {
            fetch.Add("+refs/heads/*:refs/remotes/origin/*");
            fetch.Add("+refs/tags/*:refs/tags/*");
        }

        var fetched = await Git(target, ct, [.. fetch]);
        if (!fetched.Succeeded)
        {
            return ActionResult.Fail($"actions/checkout: fetching {commit[..12]} from {source} failed: {fetched.ErrorText}");
        }

        var branch = await BranchNameAsync(source, wantedRef, ct);
        var checkout = branch is null
            ? await Git(target, ct, "checkout", "--quiet", "--force", "--detach", commit)
            : await Git(target, ct, "checkout", "--quiet", "--force", "-B", branch, commit);
        if (!checkout.Succeeded)
        {
            return ActionResult.Fail($"actions/checkout: checking out {commit[..12]} in {target} failed: {checkout.ErrorText}");
        }

        context.Log($"Checked out {wantedRef} ({commit[..12]}) into {target}" + (depth == 0 ? " with full history" : $" with depth {depth}"));
        await SetOutputsAsync(context, wantedRef, commit, source, ct);
        return ActionResult.Success;
    }

    private static async Task<string?> BranchNameAsync(string source, string wantedRef, CancellationToken ct)
    {
        var name = wantedRef.StartsWith("refs/heads/", StringComparison.Ordinal) ? wantedRef["refs/heads/".Length..] : wantedRef;
        var isBranch = await ProcessRunner.GitAsync(source, ct, "show-ref", "--verify", "--quiet", "refs/heads/" + name);
        return isBranch.Succeeded ? name : null;
    }

    private static async Task SetOutputsAsync(ActionContext context, string wantedRef, string commit, string source, CancellationToken ct)
    {
        var symbolic = await ProcessRunner.GitAsync(source, ct, "rev-parse", "--symbolic-full-name", wantedRef);
        var fullRef = symbolic.Succeeded && symbolic.StdOut.Trim().StartsWith("refs/", StringComparison.Ordinal) ? symbolic.StdOut.Trim() : wantedRef;
        context.SetOutput("ref", fullRef);
        context.SetOutput("commit", commit);
    }

    private static Task<ProcessOutcome> Git(string directory, CancellationToken ct, params string[] arguments) =>
        ProcessRunner.GitAsync(directory, ct, arguments);
}
