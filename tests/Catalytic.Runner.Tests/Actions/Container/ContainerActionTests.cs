using System.Runtime.Versioning;
using Catalytic.Runner.Actions.Container;
using Catalytic.Runner.Actions.Local;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Reporting;
using Catalytic.Runner.Tests.Execution;
using Catalytic.Runner.Tests.Services;

namespace Catalytic.Runner.Tests.Actions.Container;

/// <summary>
/// Container actions through the real podman: <c>uses: docker://IMAGE</c> steps and <c>runs.using: docker</c> actions
/// with a Dockerfile built from the local busybox test image (no registry is reachable, nothing is pulled).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ContainerActionTests : IDisposable
{
    private const string Image = PodmanTestImage.Name;
    private readonly TempRepo _repo = new();
    private readonly DirectoryInfo _actions = Directory.CreateTempSubdirectory("catalytic-container-actions-");

    public void Dispose()
    {
        _repo.Dispose();
        _actions.Delete(recursive: true);
    }

    private static string NewJobId() => "c" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A push workflow of one job, <paramref name="job"/>: its <paramref name="steps"/> (YAML written from column 0) after its other <paramref name="keys"/>.</summary>
    private static string JobWorkflow(string job, string steps, string keys = "") =>
        $"on: push\njobs:\n  {job}:\n    runs-on: ubuntu-latest\n{Indent(keys, 4)}    steps:\n{Indent(steps, 6)}";

    private static string Indent(string yaml, int by) =>
        string.Concat(yaml.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => new string(' ', by) + line + "\n"));

    /// <summary>Runs one job of a fresh id (<see cref="JobWorkflow"/>) with the real runner; returns its id and the run.</summary>
    private async Task<(string Job, RunResult Result)> RunJobAsync(string steps, Func<RunOptions, RunOptions>? configure = null, string keys = "")
    {
        var job = NewJobId();
        return (job, await _repo.RunAsync(JobWorkflow(job, steps, keys), configure, cancellationToken: TestContext.Current.CancellationToken));
    }

    /// <summary>An action folder with an action.yml and a Dockerfile FROM the test image; a unique marker keeps its content (and so its image tag) apart from other tests'.</summary>
    private string DockerfileAction(string root, string yaml, string dockerfile, string entrypointScript)
    {
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "action.yml"), yaml);
        File.WriteAllText(Path.Combine(root, "Dockerfile"), dockerfile);
        File.WriteAllText(Path.Combine(root, "entrypoint.sh"), entrypointScript);
        File.WriteAllText(Path.Combine(root, "marker"), Guid.NewGuid().ToString("N"));
        return root;
    }

    private const string Dockerfile = $"""
        FROM {Image}
        COPY entrypoint.sh /entrypoint.sh
        COPY marker /marker
        ENTRYPOINT ["/bin/sh", "/entrypoint.sh"]
        """;

    [Fact]
    public async Task DockerUrlStep_RunsInImageWithGithubLayoutInputsAndFileCommands()
    {
        await PodmanTestImage.EnsureAsync();
        var (job, result) = await RunJobAsync($$$"""
            - id: inside
              uses: docker://{{{Image}}}
              env:
                SECRETISH: step-value
              with:
                entrypoint: /bin/sh
                args: -c "set -e; echo pwd=$(pwd) home=$HOME ws=$GITHUB_WORKSPACE in=$INPUT_GREETING job=$FROM_JOB step=$SECRETISH; test -f $GITHUB_EVENT_PATH; echo made > from-container.txt; echo answer=42 >> $GITHUB_OUTPUT; echo LATER=exported >> $GITHUB_ENV; echo '## from a container action' >> $GITHUB_STEP_SUMMARY; echo kept > $HOME/.keep; echo host-leak=${CATALYTIC_NOT_SET:-none}"
                greeting: hi there
            - run: echo "later=$LATER answer=${{ steps.inside.outputs.answer }}"
            - uses: docker://{{{Image}}}
              with:
                entrypoint: cat
                args: /github/home/.keep
            """, keys: """
            env:
              FROM_JOB: job-value
            """);

        var report = result.Job(job);
        Assert.True(report.Result == Results.Success, result.Output);
        Assert.Contains("pwd=/github/workspace home=/github/home ws=/github/workspace in=hi there job=job-value step=step-value", result.Output);
        Assert.Contains("host-leak=none", result.Output);
        Assert.Contains("later=exported answer=42", result.Output);
        Assert.Contains("kept", result.Output);
        Assert.Equal("made\n", File.ReadAllText(Path.Combine(_repo.Root, "from-container.txt")));
        Assert.Contains("## from a container action", string.Join("\n", Directory.EnumerateFiles(_repo.State, "*.summary.md", SearchOption.AllDirectories).Select(File.ReadAllText)));
        Assert.Empty(PodmanTestImage.Containers("action", job));
    }

    [Fact]
    public async Task DockerfileAction_BuildsOnceByContent_EvaluatesArgsAndEnvWithInputs()
    {
        await PodmanTestImage.EnsureAsync();
        DockerfileAction(Path.Combine(_repo.Root, ".github", "actions", "greet"), """
            name: greet
            inputs:
              who:
                description: whom to greet
                default: world
            outputs:
              said:
                description: what it said
            runs:
              using: docker
              image: Dockerfile
              args:
                - ${{ inputs.who }}
                - second arg
              env:
                GREETING: hello-${{ inputs.who }}
            """, Dockerfile, """
            echo "args=$# 1=$1 2=$2 greeting=$GREETING input=$INPUT_WHO action-repo=${GITHUB_ACTION_REPOSITORY:-none}"
            echo "said=$GREETING" >> "$GITHUB_OUTPUT"
            """);
        var job = NewJobId();
        var workflow = JobWorkflow(job, """
            - uses: ./.github/actions/greet
            - id: second
              uses: ./.github/actions/greet
              with:
                who: octocat
            """, keys: """
            outputs:
              said: ${{ steps.second.outputs.said }}
            """);
        var first = await _repo.RunAsync(workflow, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(first.Job(job).Result == Results.Success, first.Output);
        Assert.Contains("args=2 1=world 2=second arg greeting=hello-world input=world action-repo=none", first.Output);
        Assert.Contains("args=2 1=octocat 2=second arg greeting=hello-octocat input=octocat", first.Output);
        Assert.Equal("hello-octocat", first.Job(job).Outputs["said"]);
        Assert.Single(first.Lines, l => l.Contains("Building " + ContainerActionImage.Repository, StringComparison.Ordinal));
        Assert.Contains("built earlier", first.Output);

        var second = await _repo.RunAsync(workflow, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(second.Job(job).Result == Results.Success, second.Output);
        Assert.DoesNotContain(second.Lines, l => l.Contains("Building " + ContainerActionImage.Repository, StringComparison.Ordinal));
    }

    [Fact]
    public async Task MappedDockerAction_RunsPreMainAndPostEntrypointsInOrder()
    {
        await PodmanTestImage.EnsureAsync();
        var dir = DockerfileAction(Path.Combine(_actions.FullName, "phases"), """
            name: phases
            inputs:
              tag:
                description: t
                required: true
            runs:
              using: docker
              image: Dockerfile
              pre-entrypoint: /pre.sh
              entrypoint: /main.sh
              post-entrypoint: /post.sh
            """, Dockerfile.Replace("COPY marker /marker", "COPY marker /marker\nCOPY phase.sh /pre.sh\nCOPY phase.sh /main.sh\nCOPY phase.sh /post.sh", StringComparison.Ordinal), "");
        File.WriteAllText(Path.Combine(dir, "phase.sh"), "#!/bin/sh\necho \"$0 $INPUT_TAG\" >> /github/workspace/phases.txt\n");
        File.SetUnixFileMode(Path.Combine(dir, "phase.sh"), (UnixFileMode)0b111_101_101);
        var (map, errors) = ActionDirectoryMap.Create([("acme/phases@v1", dir)], _actions.FullName);
        Assert.Empty(errors);
        var (job, result) = await RunJobAsync("""
            - run: echo "first step" >> phases.txt
            - uses: acme/phases@v1
              with:
                tag: t1
            - run: echo "last step" >> phases.txt
            """, o => o with { ActionDirectories = map });

        Assert.True(result.Job(job).Result == Results.Success, result.Output);
        Assert.Equal("/pre.sh t1\nfirst step\n/main.sh t1\nlast step\n/post.sh t1\n", File.ReadAllText(Path.Combine(_repo.Root, "phases.txt")));
    }

    [Fact]
    public async Task ImageExitingNonZero_FailsTheStepWithItsExitCode()
    {
        await PodmanTestImage.EnsureAsync();
        var (job, result) = await RunJobAsync($$$"""
            - id: fails
              uses: docker://{{{Image}}}
              with:
                entrypoint: /bin/sh
                args: -c "echo about to fail; exit 7"
            - id: after
              run: echo never-here
            """);

        Assert.Equal(Results.Failure, result.Job(job).Result);
        Assert.Contains("about to fail", result.Output);
        Assert.Contains("exit code 7", result.Step(job, "fails").Message);
        Assert.Equal(Results.Skipped, result.Step(job, "after").Conclusion);
        Assert.Empty(PodmanTestImage.Containers("action", job));
    }

    [Fact]
    public async Task MissingImage_FailsNamingItAndHowToGetIt()
    {
        await PodmanTestImage.EnsureAsync();
        var (job, result) = await RunJobAsync("""
            - id: missing
              uses: docker://localhost/catalytic-test/no-such-image:404
            """);

        Assert.Equal(Results.Failure, result.Job(job).Result);
        Assert.Contains("localhost/catalytic-test/no-such-image:404 is not in podman's local store", result.Step(job, "missing").Message);
        Assert.Contains("podman load", result.Step(job, "missing").Message);
    }

    [Fact]
    public async Task BadDockerfile_FailsTheStepWithTheBuildError()
    {
        await PodmanTestImage.EnsureAsync();
        DockerfileAction(Path.Combine(_repo.Root, "broken"), """
            name: broken
            runs:
              using: docker
              image: Dockerfile
            """, $"FROM {Image}\nRUN echo building-the-broken-one && exit 3\n", "");
        var (job, result) = await RunJobAsync("""
            - id: broken
              uses: ./broken
            """);

        Assert.Equal(Results.Failure, result.Job(job).Result);
        var message = result.Step(job, "broken").Message;
        Assert.Contains("broken/Dockerfile failed (podman build exited with", message);
        Assert.Contains("building-the-broken-one", result.Output);
    }

    [Fact]
    public async Task MissingDockerfile_FailsNamingThePath()
    {
        Directory.CreateDirectory(Path.Combine(_repo.Root, "nofile"));
        File.WriteAllText(Path.Combine(_repo.Root, "nofile", "action.yml"), "name: n\nruns:\n  using: docker\n  image: build/Dockerfile\n");
        var (job, result) = await RunJobAsync("""
            - id: nofile
              uses: ./nofile
            """, o => o with { Podman = "/bin/true" });

        Assert.Equal(Results.Failure, result.Job(job).Result);
        Assert.Contains("runs.image 'build/Dockerfile': no such Dockerfile", result.Step(job, "nofile").Message);
    }

    [Fact]
    public async Task WithoutPodman_FailsSayingHowToInstallIt()
    {
        var (job, result) = await RunJobAsync("""
            - id: step
              uses: docker://alpine:3
            """, o => o with { Podman = "/nonexistent/podman" });

        Assert.Equal(Results.Failure, result.Job(job).Result);
        Assert.Contains("needs podman, which is not installed", result.Step(job, "step").Message);
        Assert.Contains("apt-get install podman", result.Step(job, "step").Message);
    }

    [Fact]
    public void ContentHash_ChangesWithContentNameAndExecutableBit_NotWithTimestamps()
    {
        var dir = _actions.CreateSubdirectory("hash").FullName;
        File.WriteAllText(Path.Combine(dir, "Dockerfile"), "FROM scratch\n");
        File.WriteAllText(Path.Combine(dir, "a.sh"), "echo a\n");
        var dockerfile = Path.Combine(dir, "Dockerfile");
        var first = ContainerActionImage.ContentHash(dir, dockerfile);
        File.SetLastWriteTimeUtc(Path.Combine(dir, "a.sh"), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(first, ContainerActionImage.ContentHash(dir, dockerfile));

        File.SetUnixFileMode(Path.Combine(dir, "a.sh"), (UnixFileMode)0b111_101_101);
        var executable = ContainerActionImage.ContentHash(dir, dockerfile);
        Assert.NotEqual(first, executable);

        File.WriteAllText(Path.Combine(dir, "a.sh"), "echo b\n");
        Assert.NotEqual(executable, ContainerActionImage.ContentHash(dir, dockerfile));

        File.Move(Path.Combine(dir, "a.sh"), Path.Combine(dir, "b.sh"));
        var renamed = ContainerActionImage.ContentHash(dir, dockerfile);
        Directory.CreateDirectory(Path.Combine(dir, ".git"));
        File.WriteAllText(Path.Combine(dir, ".git", "HEAD"), "ref: refs/heads/main\n");
        Assert.Equal(renamed, ContainerActionImage.ContentHash(dir, dockerfile));
        Assert.Equal(32, renamed.Length);
    }
}
