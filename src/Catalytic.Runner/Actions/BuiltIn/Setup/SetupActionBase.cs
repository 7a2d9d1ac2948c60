namespace Catalytic.Runner.Actions.BuiltIn.Setup;

/// <summary>
/// What every `actions/setup-*` shares: read the requested versions (the version input, else the version file),
/// find the host's toolchains, pick the highest that satisfies each request, set outputs and PATH; otherwise fail
/// naming the wanted and the found versions. A request no host toolchain meets is looked for in the tool cache and
/// then downloaded into it (<see cref="ToolDownloads"/>) when the action names a <see cref="Download"/> kind.
/// </summary>
public abstract class SetupActionBase(SetupTool setup) : IBuiltinAction
{
    public IReadOnlyList<string> Names { get; } = [setup.Action];

    /// <summary>The tool's name in messages (`node`, `.NET SDK`…).</summary>
    protected string Tool => setup.Name;

    /// <summary>The input holding the version request(s), e.g. `node-version`.</summary>
    protected string VersionInput => setup.VersionInput;

    protected abstract Task<IReadOnlyList<HostTool>> FindAsync(ActionContext context, CancellationToken cancellationToken);

    /// <summary>What this action downloads into the tool cache when no host toolchain fits.</summary>
    protected ToolchainKind Download => setup.Download;

    /// <summary>Further, slower candidates, looked for only when a request is not met by <see cref="FindAsync"/>'s.</summary>
    protected virtual Task<IReadOnlyList<HostTool>> FindMoreAsync(ActionContext context, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<HostTool>>([]);

    /// <summary>The input naming a version file, e.g. `node-version-file`.</summary>
    protected string VersionFileInput => setup.VersionFileInput;

    /// <summary>
    /// The requests in a version file's <paramref name="text"/>, or an error naming <paramref name="input"/>. By default
    /// the tool's line of a <c>.tool-versions</c> file, else the file's first line that is not blank or a comment.
    /// </summary>
    protected virtual IReadOnlyList<string> ParseVersionFile(string input, string text, out string? error)
    {
        error = null;
        if (setup.ToolVersionsName is { } tool && ToolVersionsFile.Is(input))
        {
            return ToolVersionsFile.Find(text, tool) is { } version ? [version] : [];
        }

        return [FirstMeaningfulLine(text)];
    }

    /// <summary>Sets outputs and environment for the chosen toolchain.</summary>
    protected abstract void Apply(ActionContext context, HostTool chosen, IReadOnlyList<HostTool> all);

    /// <summary>Maps a request to a range; a tool can resolve aliases (`lts/*`) here. Null when it is not understood.</summary>
    protected virtual VersionRange? ToRange(string request, IReadOnlyList<HostTool> found, ActionContext context) => VersionRange.Parse(request);

    public async Task<ActionResult> RunAsync(ActionContext context, CancellationToken cancellationToken)
    {
        var requests = context.GetLines(VersionInput);
        if (requests.Count == 0)
        {
            requests = ReadVersionFile(context, out var fileError);
            if (fileError is not null)
            {
                return ActionResult.Fail($"{Names[0]}: {fileError}");
            }
        }

        var found = await FindAsync(context, cancellationToken);
        var searchedMore = false;
        string FoundText() => found.Count == 0
            ? $"found none: no {Tool} on PATH"
            : "found " + string.Join(", ", found.Select(t => $"{t.Version} ({t.Executable})"));
        if (requests.Count == 0)
        {
            if (found.Count == 0)
            {
                return ActionResult.Fail($"{Names[0]}: no version requested and {FoundText()}");
            }

            var best = found.OrderByDescending(t => t.Version).First();
            context.Log($"No {VersionInput} requested; using the host's {Tool} {best.Version}.");
            Apply(context, best, found);
            return ActionResult.Success;
        }

        HostTool? chosen = null;
        foreach (var request in requests)
        {
            var range = ToRange(request, found, context);
            if (range is null)
            {
                return ActionResult.Fail($"{Names[0]}: '{request}' ({VersionInput}) is not a version or version range this action understands");
            }

            var match = found.Where(t => range.IsSatisfiedBy(t.Version)).OrderByDescending(t => t.Version).FirstOrDefault();
            if (match is null && !searchedMore)
            {
                searchedMore = true;
                var known = found.Select(t => t.Executable).ToHashSet();
                found = [.. found, .. (await FindMoreAsync(context, cancellationToken)).Where(t => !known.Contains(t.Executable))];
                match = found.Where(t => range.IsSatisfiedBy(t.Version)).OrderByDescending(t => t.Version).FirstOrDefault();
            }

            if (match is null && ToolDownloads.Cached(context, Download).Where(t => range.IsSatisfiedBy(t.Version)).MaxBy(t => t.Version) is { } cached)
            {
                context.Log($"Using {Tool} {cached.Version} from the tool cache ({cached.Executable}) for {request}.");
                chosen = cached;
                continue;
            }

            if (match is null)
            {
                var (downloaded, error) = await ToolDownloads.DownloadAsync(context, Download, request, range, cancellationToken);
                if (downloaded is null)
                {
                    return ActionResult.Fail($"{Names[0]}: wanted {Tool} {request}, {FoundText()}, and none in the tool cache; {error}");
                }

                chosen = downloaded;
                continue;
            }

            context.Log($"Using the host's {Tool} {match.Version} ({match.Executable}) for {request}.");
            chosen = match; // like setup-*, the last requested version is the default one
        }

        Apply(context, chosen!, found);
        return ActionResult.Success;
    }

    /// <summary>Requests from the version file input (or the tool's default file), or an error naming the file.</summary>
    private IReadOnlyList<string> ReadVersionFile(ActionContext context, out string? error)
    {
        error = null;
        var input = context.Get(VersionFileInput);
        if (input.Length == 0)
        {
            if (setup.DefaultVersionFile is not { } fallback || !File.Exists(Path.Combine(context.Workspace, fallback)))
            {
                return [];
            }

            input = fallback;
        }

        return ReadFile(context, input, out error) is { } text ? ParseVersionFile(input, text, out error) : [];
    }

    /// <summary>Reads a version file relative to the workspace; null content with an error when it is missing.</summary>
    private static string? ReadFile(ActionContext context, string input, out string? error)
    {
        error = null;
        var path = context.ResolvePath(input);
        if (!File.Exists(path))
        {
            error = $"The specified version file at: {path} does not exist";
            return null;
        }

        return File.ReadAllText(path);
    }

    private static string FirstMeaningfulLine(string text) =>
        text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#')) ?? string.Empty;
}

/// <summary>What a setup action sets up, as data: the one thing its class does not do itself.</summary>
/// <param name="Action">The action's name (`actions/setup-node`).</param>
/// <param name="Name">The tool's name in messages (`node`, `.NET SDK`…).</param>
/// <param name="VersionInput">The input holding the version request(s) (`node-version`).</param>
/// <param name="VersionFileInput">The input naming a version file (`node-version-file`).</param>
/// <param name="Download">What is downloaded into the tool cache when no host toolchain fits.</param>
public sealed record SetupTool(string Action, string Name, string VersionInput, string VersionFileInput, ToolchainKind Download)
{
    /// <summary>The file read from the workspace's root when no version file is named and the file is there (`global.json`); null for none.</summary>
    public string? DefaultVersionFile { get; init; }

    /// <summary>The tool's name in a <c>.tool-versions</c> file (`nodejs`, `golang`); null when the action does not read that format.</summary>
    public string? ToolVersionsName { get; init; }
}
