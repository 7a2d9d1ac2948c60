using Catalytic.Runner.Execution;
using Catalytic.Runner.Reporting;
using Catalytic.Runner.Services;
using Catalytic.Runner.Tests.Services;

namespace Catalytic.Runner.Tests.Execution;

/// <summary>A job's `container:` through the real podman, with the local busybox test image.</summary>
public sealed class JobContainerTests
{
    private static string NewJobId() => "j" + Guid.NewGuid().ToString("N")[..8];

    private static RunOptions WithServices(RunOptions o) => o with { Services = new HostJobServices(new JobServiceOptions { Time = o.Time }) };

    [Fact]
    public async Task RunAsync_JobContainer_RunsStepsInsideTheImageWithFileCommandsAndWorkspace()
    {
        await PodmanTestImage.EnsureAsync();
        using var repo = new TempRepo();
        var job = NewJobId();
        var result = await repo.RunAsync($$$"""
            on: push
            jobs:
              {{{job}}}:
                runs-on: ubuntu-latest
                container:
                  image: {{{PodmanTestImage.Name}}}
                  env:
                    FROM_CONTAINER: image-env
                    OVERRIDDEN: container
                env:
                  OVERRIDDEN: job
                outputs:
                  where: ${{ steps.probe.outputs.where }}
                steps:
                  - id: probe
                    run: |
                      test ! -e /etc/os-release
                      test -x /bin/busybox
                      echo "where=inside" >> "$GITHUB_OUTPUT"
                      echo "LATER=from-env-file" >> "$GITHUB_ENV"
                      mkdir -p "$RUNNER_TEMP/bin" && printf '#!/bin/sh\necho tool-on-path\n' > "$RUNNER_TEMP/bin/mytool" && chmod +x "$RUNNER_TEMP/bin/mytool"
                      echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
                      echo "## summary from the container" >> "$GITHUB_STEP_SUMMARY"
                      echo "written in the container" > made-inside.txt
                      mkdir -p sub
                      echo "env: $FROM_CONTAINER $OVERRIDDEN pwd=$(pwd)"
                  - run: |
                      echo "later=$LATER tool=$(mytool) host-home-leaked=${CATALYTIC_NOT_SET_ANYWHERE:-no}"
                      echo kept > "$HOME/.tool-config" && echo "home=$HOME $(cat /github/home/.tool-config)"
                      echo "id=${{ job.container.id }} network=${{ job.container.network }}"
                  - working-directory: sub
                    run: pwd
            """,
            WithServices,
            cancellationToken: TestContext.Current.CancellationToken);

        var report = result.Job(job);
        Assert.True(report.Result == Results.Success, result.Output);
        Assert.Equal("inside", report.Outputs["where"]);
        Assert.Contains($"env: image-env job pwd={repo.Root}", result.Output);
        Assert.Contains("later=from-env-file tool=tool-on-path host-home-leaked=no", result.Output);
        Assert.Contains("home=/github/home kept", result.Output);
        Assert.Matches("id=[0-9a-f]{64} network=host", result.Output);
        Assert.Contains("shell: sh -e {0} (in " + PodmanTestImage.Name + ")", result.Output);
        Assert.Equal("written in the container\n", File.ReadAllText(Path.Combine(repo.Root, "made-inside.txt")));
        Assert.Contains($"] {repo.Root}/sub", result.Output);
        Assert.Empty(PodmanTestImage.Containers("job", job));
    }

    [Fact]
    public async Task RunAsync_JobContainerWithService_ReachesServiceByIdAndRemovesBoth()
    {
        await PodmanTestImage.EnsureAsync();
        using var repo = new TempRepo();
        var job = NewJobId();
        var result = await repo.RunAsync($$$"""
            on: push
            jobs:
              {{{job}}}:
                runs-on: ubuntu-latest
                container: {{{PodmanTestImage.Name}}}
                services:
                  web:
                    image: {{{PodmanTestImage.Name}}}
                    env:
                      GREETING: hello-service
                    ports: ["80"]
                steps:
                  - run: wget -q -O - "http://web:${{ job.services.web.ports['80'] }}/env.txt" | grep GREETING
            """,
            WithServices,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Job(job).Result == Results.Success, result.Output);
        Assert.Contains("GREETING=hello-service", result.Output);
        Assert.Empty(PodmanTestImage.Containers("job", job));
        Assert.DoesNotContain(PodmanTestImage.Containers("service", "web"), n => result.Output.Contains(n, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_StepTimesOutInContainer_InterruptsThenKillsItsProcessesThere()
    {
        await PodmanTestImage.EnsureAsync();
        using var repo = new TempRepo();
        var job = NewJobId();
        var result = await repo.RunAsync($$$"""
            on: push
            jobs:
              {{{job}}}:
                runs-on: ubuntu-latest
                container: {{{PodmanTestImage.Name}}}
                steps:
                  - run: |
                      trap 'echo got-int > trapped.txt; exit 0' INT
                      sleep 300 & sleep 301 & wait
                    timeout-minutes: 0.03
                    continue-on-error: true
                  - run: if ps | grep -v grep | grep -q 'sleep 30'; then ps; echo still-running; exit 1; fi; echo cleaned
            """,
            WithServices,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Job(job).Result == Results.Success, result.Output);
        Assert.Contains("exceeded its timeout", result.Output);
        Assert.Contains("cleaned", result.Output);
        Assert.Equal("got-int\n", File.ReadAllText(Path.Combine(repo.Root, "trapped.txt"))); // SIGINT first, as on the host
        Assert.Empty(PodmanTestImage.Containers("job", job));
    }

    [Fact]
    public async Task RunAsync_RunCancelled_RemovesTheJobContainer()
    {
        await PodmanTestImage.EnsureAsync();
        using var repo = new TempRepo();
        var job = NewJobId();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = repo.RunAsync($$$"""
            on: push
            jobs:
              {{{job}}}:
                runs-on: ubuntu-latest
                container: {{{PodmanTestImage.Name}}}
                steps:
                  - run: touch started; sleep 300
            """,
            WithServices,
            cancellationToken: cts.Token);

        // Cancelled once the step runs in the container (it touches a file of the mounted workspace).
        await Eventually.Until(() => File.Exists(Path.Combine(repo.Root, "started")) || run.IsCompleted, "the step starts in the job container");
        await cts.CancelAsync();
        var result = await run;

        Assert.Equal(Results.Cancelled, result.Job(job).Result);
        Assert.Empty(PodmanTestImage.Containers("job", job));
    }

    [Fact]
    public async Task RunAsync_ImageNotLocal_FailsTheJobNamingImageAndWhatToDo()
    {
        await PodmanTestImage.EnsureAsync();
        using var repo = new TempRepo();
        var job = NewJobId();
        var result = await repo.RunAsync($$$"""
            on: push
            jobs:
              {{{job}}}:
                runs-on: ubuntu-latest
                container: localhost/catalytic-test/absent:1
                steps:
                  - run: echo never
            """,
            WithServices,
            cancellationToken: TestContext.Current.CancellationToken);

        var report = result.Job(job);
        Assert.Equal(Results.Failure, report.Result);
        Assert.Contains("image localhost/catalytic-test/absent:1 is not in podman's local store", report.Reason);
        Assert.Contains("podman load -i", report.Reason);
        Assert.DoesNotContain("never", result.Output.Replace("echo never", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_PodmanMissing_FailsTheJobNamingImageAndTheHostOptIn()
    {
        using var repo = new TempRepo();
        var job = NewJobId();
        var result = await repo.RunAsync($$$"""
            on: push
            jobs:
              {{{job}}}:
                runs-on: ubuntu-latest
                container: node:20-bookworm
                steps:
                  - run: echo never
            """,
            o => o with { Podman = "/nonexistent/podman" },
            cancellationToken: TestContext.Current.CancellationToken);

        var report = result.Job(job);
        Assert.Equal(Results.Failure, report.Result);
        Assert.Contains("image node:20-bookworm needs podman, which is not installed", report.Reason);
        Assert.Contains("postgres:* and redis:*", report.Reason);
        Assert.Contains("--job-container host", report.Reason);
    }

    [Fact]
    public async Task RunAsync_HostOptIn_RunsStepsOnTheHostWithContainerEnvAndAWarning()
    {
        using var repo = new TempRepo();
        var job = NewJobId();
        var result = await repo.RunAsync($$$"""
            on: push
            jobs:
              {{{job}}}:
                runs-on: ubuntu-latest
                container:
                  image: node:20-bookworm
                  env: { FROM_CONTAINER: "yes" }
                steps:
                  - run: echo "from-container=$FROM_CONTAINER"
            """,
            o => o with { JobContainer = JobContainerMode.Host, Podman = "/nonexistent/podman" },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Job(job).Result == Results.Success, result.Output);
        Assert.Contains("from-container=yes", result.Output);
        Assert.Contains("job container node:20-bookworm: the steps run on the host, not in the image (--job-container host", result.Output);
    }

    [Fact]
    public async Task RunAsync_CompositeActionInContainerJob_RunsItsStepsInsideTheImage()
    {
        await PodmanTestImage.EnsureAsync();
        using var repo = new TempRepo();
        var job = NewJobId();
        var actionDir = Path.Combine(repo.Root, ".github", "actions", "probe");
        Directory.CreateDirectory(actionDir);
        await File.WriteAllTextAsync(Path.Combine(actionDir, "action.yml"), """
            name: probe
            runs:
              using: composite
              steps:
                - run: test ! -e /etc/os-release && echo "composite inside, action path $GITHUB_ACTION_PATH"
                  shell: sh
            """, TestContext.Current.CancellationToken);
        var result = await repo.RunAsync($$$"""
            on: push
            jobs:
              {{{job}}}:
                runs-on: ubuntu-latest
                container: {{{PodmanTestImage.Name}}}
                steps:
                  - uses: ./.github/actions/probe
            """,
            WithServices,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Job(job).Result == Results.Success, result.Output);
        Assert.Contains($"composite inside, action path {actionDir}", result.Output);
    }

    [Fact]
    public async Task RunAsync_ShellsInContainer_ResolveInTheImageWithGithubsFallbacks()
    {
        await PodmanTestImage.EnsureAsync();
        using var repo = new TempRepo();
        var job = NewJobId();
        var result = await repo.RunAsync($$$"""
            on: push
            jobs:
              {{{job}}}:
                runs-on: ubuntu-latest
                container: {{{PodmanTestImage.Name}}}
                steps:
                  - id: bash
                    shell: bash
                    run: echo "ran by $(readlink /proc/$$/exe)"
                  - id: custom
                    shell: busybox sh -e {0}
                    run: echo custom-template
                  - id: python
                    shell: python
                    run: print("never")
                    continue-on-error: true
            """,
            WithServices,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Job(job).Result == Results.Success, result.Output);
        Assert.Contains("shell: sh -e {0} (in " + PodmanTestImage.Name + ")", result.Output); // bash falls back to sh
        Assert.Contains("ran by /bin/busybox", result.Output);
        Assert.Contains("custom-template", result.Output);
        Assert.Equal(Results.Failure, result.Step(job, "python").Outcome);
        Assert.Contains("shell 'python' was not found on PATH in the job container's image", result.Step(job, "python").Message);
    }

    [Fact]
    public async Task RunAsync_ContainerAsOneExpression_ReadsTheEvaluatedMapping()
    {
        await PodmanTestImage.EnsureAsync();
        using var repo = new TempRepo();
        var job = NewJobId();
        var result = await repo.RunAsync($$$"""
            on: push
            jobs:
              {{{job}}}:
                runs-on: ubuntu-latest
                container: ${{ fromJSON('{"image":"{{{PodmanTestImage.Name}}}","env":{"FROM_JSON":"yes"}}') }}
                steps:
                  - run: test ! -e /etc/os-release && echo "from-json=$FROM_JSON"
            """,
            WithServices,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Job(job).Result == Results.Success, result.Output);
        Assert.Contains("from-json=yes", result.Output);
    }
}
