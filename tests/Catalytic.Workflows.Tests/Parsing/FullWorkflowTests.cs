using Catalytic.Workflows.Model;

namespace Catalytic.Workflows.Tests.Parsing;

/// <summary>A workflow using most of the syntax at once must parse without a single diagnostic.</summary>
public sealed class FullWorkflowTests
{
    private const string Text = """
        name: Release
        run-name: Release ${{ inputs.version || github.ref_name }}
        on:
          push:
            branches: [main, 'releases/**', '!releases/**-alpha']
            tags: ['v[0-9]+.[0-9]+.[0-9]+']
            paths-ignore: ['docs/**', '**.md']
          pull_request:
            types: [opened, synchronize]
            branches: [main]
          schedule:
            - cron: '30 5 * * 1-5'
          workflow_dispatch:
            inputs:
              version:
                description: Version to release
                required: false
                type: string
              level:
                type: choice
                options: [patch, minor, major]
                default: patch
          workflow_call:
            inputs:
              version:
                type: string
            secrets:
              token:
                required: true
            outputs:
              image:
                value: ${{ jobs.build.outputs.image }}
        permissions:
          contents: read
          id-token: write
        env:
          DOTNET_NOLOGO: 1
          TOKEN: ${{ secrets.token }}
        defaults:
          run:
            shell: bash
            working-directory: src
        concurrency:
          group: ${{ github.workflow }}-${{ github.ref }}
          cancel-in-progress: true
        jobs:
          build:
            name: Build ${{ matrix.os }}
            runs-on: ${{ matrix.os }}
            timeout-minutes: 30
            continue-on-error: ${{ matrix.experimental }}
            strategy:
              fail-fast: false
              max-parallel: 2
              matrix:
                os: [ubuntu-latest, macos-latest]
                experimental: [false]
                include:
                  - os: ubuntu-latest
                    experimental: true
                    dotnet: 11
                exclude:
                  - os: macos-latest
                    experimental: true
            outputs:
              image: ${{ steps.meta.outputs.image }}
            env:
              CONFIG: ${{ matrix.os == 'ubuntu-latest' && 'linux' || 'other' }}
            services:
              db:
                image: postgres:16
                env:
                  POSTGRES_PASSWORD: ${{ secrets.token }}
                ports: ['5432:5432']
                options: --health-cmd pg_isready
            steps:
              - uses: actions/checkout@v4
                with:
                  fetch-depth: 0
              - id: meta
                name: Compute ${{ runner.os }}
                if: ${{ !cancelled() && hashFiles('**/*.csproj') != '' }}
                run: |
                  echo "image=app:${{ github.sha }}" >> "$GITHUB_OUTPUT"
                env:
                  SHA: ${{ github.sha }}
                timeout-minutes: 5
                continue-on-error: true
              - run: print("hi")
                shell: python
          deploy:
            needs: [build]
            if: needs.build.result == 'success' && github.event_name != 'pull_request'
            runs-on: [self-hosted, linux]
            environment:
              name: production
              url: ${{ steps.deploy.outputs.url }}
            concurrency: deploy-production
            container:
              image: node:20
              credentials:
                username: ${{ github.actor }}
                password: ${{ secrets.token }}
            steps:
              - id: deploy
                run: echo "url=https://example.test" >> "$GITHUB_OUTPUT"
          call:
            needs: build
            uses: ./.github/workflows/notify.yml
            with:
              image: ${{ needs.build.outputs.image }}
            secrets: inherit
        """;

    [Fact]
    public void Parse_full_workflow_has_no_diagnostics_and_keeps_every_part()
    {
        var result = Yaml.Parse(Text);
        Assert.Empty(result.Diagnostics);
        var w = result.Workflow!;
        Assert.Equal("Release", w.Name);
        Assert.Equal(["push", "pull_request", "schedule", "workflow_dispatch", "workflow_call"], w.On.Select(t => t.Event));
        Assert.Equal(["main", "releases/**", "!releases/**-alpha"], w.On[0].Branches!.Value);
        Assert.Equal(["docs/**", "**.md"], w.On[0].PathsIgnore!.Value);
        Assert.Equal(["opened", "synchronize"], w.On[1].Types!.Value);
        Assert.Equal(["30 5 * * 1-5"], w.On[2].Cron!.Value);
        Assert.Equal(["version", "level"], w.DispatchInputs.Select(i => i.Name));
        Assert.Equal("token", Assert.Single(w.Call!.Secrets).Name);
        Assert.Equal(new Defaults("bash", "src"), w.Defaults);
        Assert.Equal("true", w.Concurrency!.CancelInProgress!.Value);
        Assert.Equal(["build", "deploy", "call"], w.Jobs.Select(j => j.Id));

        var build = w.Jobs[0];
        Assert.Equal("30", build.TimeoutMinutes!.Value);
        Assert.IsType<TemplateMapping>(build.Strategy!.Matrix);
        Assert.Equal("false", build.Strategy.FailFast!.Value);
        Assert.Equal(3, build.Steps.Length);
        Assert.Equal("meta", build.Steps[1].Id);
        Assert.Equal("python", build.Steps[2].Shell!.Value);
        Assert.NotNull(build.Services!["db"]);

        var deploy = w.Jobs[1];
        Assert.Equal(["build"], deploy.Needs);
        Assert.IsType<TemplateSequence>(deploy.RunsOn);
        Assert.IsType<TemplateMapping>(deploy.Environment);
        Assert.Equal("deploy-production", deploy.Concurrency!.Group.Value);

        var call = w.Jobs[2];
        Assert.Equal("./.github/workflows/notify.yml", call.Uses);
        Assert.Equal(["build"], call.Needs);
    }
}
