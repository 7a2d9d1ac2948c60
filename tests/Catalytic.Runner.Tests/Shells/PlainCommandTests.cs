using System.Runtime.Versioning;
using Catalytic.Runner.Shells;
using Catalytic.Runner.Tests.Execution;

namespace Catalytic.Runner.Tests.Shells;

[SupportedOSPlatform("linux")]
public sealed class PlainCommandTests : IDisposable
{
    private static readonly ShellCommand DefaultBash = ShellResolver.Resolve(null, null).Command!;

    private readonly TempRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    private Dictionary<string, string> Env(params (string Key, string Value)[] extra)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = "/usr/local/bin:/usr/bin:/bin", ["HOME"] = "/root" };
        foreach (var (k, v) in extra)
        {
            env[k] = v;
        }

        return env;
    }

    [Fact]
    public void TryDirect_PlainCommand_ExecsTheProgramWithTheEnvironmentBashWouldGiveIt()
    {
        var spec = PlainCommand.TryDirect(DefaultBash, "sleep 0.01 \n", _repo.Root, Env(("SHLVL", "2")));

        Assert.NotNull(spec);
        Assert.EndsWith("/sleep", spec.FileName, StringComparison.Ordinal);
        Assert.Equal("sleep", spec.ArgumentZero);
        Assert.Equal(["0.01"], spec.Arguments);
        Assert.Equal("3", spec.Environment["SHLVL"]);
        Assert.Equal(_repo.Root, spec.Environment["PWD"]);
        Assert.Equal(spec.FileName, spec.Environment["_"]);
        Assert.Equal("/root", spec.Environment["HOME"]);
    }

    [Theory]
    [InlineData("echo hi")]                 // builtins and reserved words run inside bash
    [InlineData("true")]
    [InlineData("cd /tmp")]
    [InlineData("time sleep 1")]
    [InlineData("sleep 1; sleep 2")]        // any shell syntax
    [InlineData("sleep 1\nsleep 2")]
    [InlineData("sleep $DELAY")]
    [InlineData("ls *.txt")]
    [InlineData("sleep 1 # why")]
    [InlineData("'sleep' 1")]
    [InlineData("cat < file")]
    [InlineData("ls ~")]
    [InlineData("echo {a,b}")]
    [InlineData("A=1 env")]                 // an assignment
    [InlineData("no-such-program-catalytic 1")] // bash reports what is not found
    [InlineData("./missing.sh")]
    [InlineData("")]
    public void TryDirect_AnythingButAPlainCommand_GoesThroughBash(string script) =>
        Assert.Null(PlainCommand.TryDirect(DefaultBash, script, _repo.Root, Env()));

    [Fact]
    public void TryDirect_WhatBashWouldTreatDifferently_GoesThroughBash()
    {
        Assert.Null(PlainCommand.TryDirect(DefaultBash, "sleep 0", _repo.Root, Env(("BASH_ENV", "/etc/x"))));
        Assert.Null(PlainCommand.TryDirect(DefaultBash, "sleep 0", _repo.Root, Env(("BASH_FUNC_sleep%%", "() { :; }"))));
        Assert.Null(PlainCommand.TryDirect(DefaultBash, "sleep 0", _repo.Root, Env(("SHLVL", "999"))));
        Assert.Equal(_repo.Root, PlainCommand.TryDirect(DefaultBash, "sleep 0", _repo.Root, Env(("PWD", "/elsewhere")))!.Environment["PWD"]);
        var link = Path.Combine(Path.GetTempPath(), "catalytic-link-" + Guid.NewGuid().ToString("N"));
        Directory.CreateSymbolicLink(link, _repo.Root);
        try
        {
            // bash keeps an inherited PWD that reaches its directory through a link, and a link in the directory
            // itself makes bash's PWD the physical path.
            Assert.Null(PlainCommand.TryDirect(DefaultBash, "sleep 0", _repo.Root, Env(("PWD", link))));
            Assert.Null(PlainCommand.TryDirect(DefaultBash, "sleep 0", link, Env()));
        }
        finally
        {
            File.Delete(link);
        }

        Assert.Null(PlainCommand.TryDirect(DefaultBash, "sleep 0", _repo.Root, Env(("PATH", "bin:/usr/bin"))));
        Assert.Null(PlainCommand.TryDirect(ShellResolver.Resolve("sh", null).Command!, "sleep 0", _repo.Root, Env()));
        Assert.Null(PlainCommand.TryDirect(ShellResolver.Resolve("python", null).Command!, "sleep 0", _repo.Root, Env()));

        // A file without #! would be run by bash itself, as a script.
        File.WriteAllText(Path.Combine(_repo.Root, "bare.sh"), "echo hi\n");
        File.SetUnixFileMode(Path.Combine(_repo.Root, "bare.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.Null(PlainCommand.TryDirect(DefaultBash, "./bare.sh", _repo.Root, Env()));
        Assert.NotNull(PlainCommand.TryDirect(ShellResolver.Resolve("bash", null).Command!, "sleep 0", _repo.Root, Env()));
    }

    [Fact]
    public async Task Run_PlainCommand_SeesExactlyWhatItWouldUnderBash()
    {
        // The program records its environment (without the per-step file-command paths), $0, its arguments and its
        // parent: run directly, and through bash (the `; true` makes the script more than a plain command).
        var bin = Directory.CreateDirectory(Path.Combine(_repo.Root, "tools")).FullName;
        var dump = """
            #!/bin/sh
            env | grep -v '^GITHUB_\(ENV\|OUTPUT\|PATH\|STATE\|STEP_SUMMARY\|ACTION\)=' | sort > "$1.env"
            echo "$0 $*" > "$1.args"
            cat /proc/$PPID/comm > "$1.parent"
            """;
        foreach (var path in new[] { Path.Combine(_repo.Root, "dump.sh"), Path.Combine(bin, "dump-env") })
        {
            File.WriteAllText(path, dump.Replace("\r", "", StringComparison.Ordinal) + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var r = await _repo.RunAsync($$"""
            on: push
            env:
              SHLVL: "4"
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - run: echo "{{bin}}" >> "$GITHUB_PATH"
                  - run: ./dump.sh direct x=1 --flag
                  - run: ./dump.sh shell x=1 --flag; true
                  - run: dump-env direct-path a:b
                  - run: dump-env shell-path a:b; true
                    shell: bash
            """, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("success", r.Report.Result);
        string Read(string name) => File.ReadAllText(Path.Combine(_repo.Root, name));
        Assert.NotEqual("bash", Read("direct.parent").Trim());   // the fast path was taken…
        Assert.Equal("bash", Read("shell.parent").Trim());       // …and the comparison ran through bash
        Assert.NotEqual("bash", Read("direct-path.parent").Trim());
        Assert.Equal(Read("shell.env"), Read("direct.env"));
        Assert.Contains("SHLVL=5\n", Read("direct.env"), StringComparison.Ordinal);
        Assert.Equal("./dump.sh direct x=1 --flag\n", Read("direct.args"));
        Assert.Equal(Read("shell-path.env"), Read("direct-path.env"));
        Assert.Equal($"{bin}/dump-env direct-path a:b\n", Read("direct-path.args"));
    }

    [Fact]
    public async Task Run_PlainCommand_FailsTimesOutAndIsCancelledLikeAScript()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              fails:
                runs-on: ubuntu-latest
                steps:
                  - run: ls /no/such/dir/catalytic
              slow:
                runs-on: ubuntu-latest
                timeout-minutes: 0.02
                steps:
                  - run: sleep 30
            """, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("failure", r.Job("fails").Result);
        Assert.Equal(2, r.Job("fails").Steps[0].ExitCode);
        Assert.Equal("failure", r.Job("slow").Result);
        Assert.Contains("timeout", r.Job("slow").Reason, StringComparison.Ordinal);
    }
}
