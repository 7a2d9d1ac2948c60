using Catalytic.Runner.Actions.Local;
using Catalytic.Runner.Tests.Execution;

namespace Catalytic.Runner.Tests.Actions.Local;

/// <summary>JavaScript actions (runs.using: node20…) mapped from owner/name@ref, run by the host's node.</summary>
public sealed class JavaScriptActionTests : IDisposable
{
    private readonly TempRepo _repo = new();
    private readonly DirectoryInfo _actions = Directory.CreateTempSubdirectory("catalytic-actions-");

    public void Dispose()
    {
        _repo.Dispose();
        _actions.Delete(recursive: true);
    }

    private string Action(string name, string yaml, params (string File, string Code)[] scripts)
    {
        var dir = Path.Combine(_actions.FullName, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "action.yml"), yaml);
        foreach (var (file, code) in scripts)
        {
            File.WriteAllText(Path.Combine(dir, file), code);
        }

        return dir;
    }

    private ActionDirectoryMap Map(params (string Key, string Path)[] entries)
    {
        var (map, errors) = ActionDirectoryMap.Create(entries, _actions.FullName);
        Assert.Empty(errors);
        return map!;
    }

    private const string Append = "const fs = require('fs'); const log = s => fs.appendFileSync('order.txt', s + '\\n');\n";

    [Fact]
    public async Task JsAction_PreMainPost_ShareStateAndInputsAndSetOutputs()
    {
        var tool = Action("tool", """
            name: tool
            description: pre, main and post
            inputs:
              my-input:
                description: given
                required: true
              level:
                description: defaulted
                default: "3"
            outputs:
              result:
                description: r
            runs:
              using: node20
              pre: pre.js
              main: main.js
              post: post.js
            """,
            ("pre.js", Append + "fs.appendFileSync(process.env.GITHUB_STATE, 'token=from-pre\\n'); log('pre:' + process.env['INPUT_MY-INPUT']);"),
            ("main.js", Append + """
                log(`main:${process.env.STATE_token}:${process.env['INPUT_MY-INPUT']}:${process.env.INPUT_LEVEL}:${process.cwd() === process.env.GITHUB_WORKSPACE}`);
                fs.appendFileSync(process.env.GITHUB_OUTPUT, 'result=ok-' + process.env.INPUT_LEVEL + '\n');
                console.log('::save-state name=phase::main');
                console.log('::set-output name=legacy::old-style');
                console.log('hello from main');
                """),
            ("post.js", Append + "log(`post:${process.env.STATE_token}:${process.env.STATE_phase}`); console.log('cleaning up');"));
        var other = Action("other", """
            name: other
            description: post only when the job succeeds
            runs:
              using: node24
              main: main.js
              post: post.js
              post-if: success()
            """, ("main.js", Append + "log('other-main');"), ("post.js", Append + "log('other-post');"));
        var skipper = Action("skipper", """
            name: skipper
            description: post only on failure
            runs:
              using: node16
              main: main.js
              post: post.js
              post-if: failure()
            """, ("main.js", Append + "log('skipper-main');"), ("post.js", Append + "log('skipper-post');"));

        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - run: echo first >> order.txt
                  - id: tool
                    name: Tool
                    uses: acme/tool@v1
                    with:
                      my-input: v
                  - uses: acme/other@main
                  - uses: acme/skipper@v2
                  - run: echo "${{ steps.tool.outputs.result }} ${{ steps.tool.outputs.legacy }}" > outputs.txt
            """, o => o with { ActionDirectories = Map(("acme/tool@v1", tool), ("acme/other", other), ("Acme/Skipper@v2", skipper)) }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(r.Job("j").Result == "success", r.Output);
        Assert.Equal(
            ["pre:v", "first", "main:from-pre:v:3:true", "other-main", "skipper-main", "other-post", "post:from-pre:main"],
            File.ReadAllLines(Path.Combine(_repo.Root, "order.txt")));
        Assert.Equal("ok-3 old-style", File.ReadAllText(Path.Combine(_repo.Root, "outputs.txt")).Trim());
        Assert.Contains("[j/Tool] hello from main", r.Lines);
        Assert.Contains("[j/Post Tool] cleaning up", r.Lines);
        var steps = r.Job("j").Steps;
        Assert.Equal("Pre Tool", steps[0].Name);
        Assert.Equal("skipped", steps.Single(s => s.Name == "Post Run acme/skipper@v2").Outcome);
        Assert.Equal(["Post Run acme/skipper@v2", "Post Run acme/other@main", "Post Tool"], steps.Where(s => s.Name.StartsWith("Post ", StringComparison.Ordinal)).Select(s => s.Name));
    }

    [Fact]
    public async Task JsAction_FailingMain_FailsTheStepAndStillRunsItsAlwaysPost()
    {
        var dir = Action("failing", """
            name: failing
            description: exits 2
            runs:
              using: node20
              main: main.js
              post: post.js
            """,
            ("main.js", "console.log('::error title=Broken::it broke'); process.exit(2);"),
            ("post.js", "require('fs').writeFileSync('post-ran.txt', process.env.STATE_x ?? 'none');"));
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: f
                    uses: acme/failing@v1
            """, o => o with { ActionDirectories = Map(("acme/failing", dir)) }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("failure", r.Job("j").Result);
        Assert.Equal(2, r.Step("j", "f").ExitCode);
        Assert.Contains(r.Step("j", "f").Annotations, a => a.Contains("it broke", StringComparison.Ordinal));
        Assert.Equal("none", File.ReadAllText(Path.Combine(_repo.Root, "post-ran.txt")));
    }

    [Fact]
    public async Task JsAction_RunsWithTheNodeItsUsingNames_AndWarnsWhenOnlyAnotherMajorIsThere()
    {
        var hostMajor = (await Catalytic.Runner.Actions.BuiltIn.Processes.ProcessRunner.RunAsync("node", ["--version"], null, null, TestContext.Current.CancellationToken)).StdOut.Trim().TrimStart('v').Split('.')[0];
        var other = hostMajor == "24" ? "20" : "24";
        string Declaring(string name, string major) => Action(name, $"name: {name}\nruns:\n  using: node{major}\n  main: index.js\n", ("index.js", $"require('fs').writeFileSync('{name}.txt', process.version);\n"));
        var same = Declaring("same", hostMajor);
        var newer = Declaring("newer", other);
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - uses: acme/same@v1
                  - uses: acme/newer@v1
            """, o => o with { ActionDirectories = Map(("acme/same", same), ("acme/newer", newer)) }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(r.Job("j").Result == "success", r.Output);
        var version = File.ReadAllText(Path.Combine(_repo.Root, "same.txt"));
        Assert.Contains($"node {version} (", r.Output, StringComparison.Ordinal);
        Assert.Contains($"runs it (runs.using: node{hostMajor})", r.Output, StringComparison.Ordinal);
        Assert.Contains($"##[warning]the action declares runs.using: node{other}, and no node {other} is on PATH or in the tool cache; it runs with node {version}", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownRemoteAction_FailsNamingTheBuiltInsAndTheActionDirOption()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: u
                    uses: someone/thing/sub@v3
            """, o => o with { Actions = Catalytic.Runner.Actions.BuiltIn.BuiltinActions.CreateDefault() }, cancellationToken: TestContext.Current.CancellationToken);

        // As GitHub's "Set up job": an action that cannot be had fails the job before its first step.
        Assert.Empty(r.Job("j").Steps);
        var message = r.Job("j").Reason!;
        Assert.Contains("action 'someone/thing/sub@v3' is not available", message, StringComparison.Ordinal);
        Assert.Contains("actions/checkout", message, StringComparison.Ordinal);
        Assert.Contains("--action-dir someone/thing@v3=PATH", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MappedComposite_WithSubPath_RunsLikeALocalAction()
    {
        var root = Path.Combine(_actions.FullName, "monorepo");
        Directory.CreateDirectory(Path.Combine(root, "tools", "hello"));
        File.WriteAllText(Path.Combine(root, "tools", "hello", "action.yml"), """
            name: hello
            runs:
              using: composite
              steps:
                - shell: bash
                  run: echo "repo=${{ github.action_repository }} ref=${{ github.action_ref }} $GITHUB_ACTION_REF" > mapped.txt
            """);
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - uses: org/monorepo/tools/hello@v9
            """, o => o with { ActionDirectories = Map(("org/monorepo", root)) }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(r.Job("j").Result == "success", r.Output);
        Assert.Equal("repo=org/monorepo ref=v9 v9", File.ReadAllText(Path.Combine(_repo.Root, "mapped.txt")).Trim());
    }

    [Fact]
    public void ActionDirectoryMap_BadEntries_AreReportedByName()
    {
        var (map, errors) = ActionDirectoryMap.Create([("not-a-name", "."), ("a/b@v1", "does-not-exist")], _actions.FullName);
        Assert.Null(map);
        Assert.Equal(2, errors.Count);
        Assert.Contains("'not-a-name' is not an action name", errors[0], StringComparison.Ordinal);
        Assert.Contains("'a/b@v1' maps to 'does-not-exist', which is not a folder", errors[1], StringComparison.Ordinal);
    }
}
