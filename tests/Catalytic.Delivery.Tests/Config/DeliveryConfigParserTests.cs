using Catalytic.Delivery.Config;

namespace Catalytic.Delivery.Tests.Config;

public sealed class DeliveryConfigParserTests
{
    private const string IssueExample = """
        apps:
          web:
            run: python3 app.py          # started inside the release folder, PORT set per instance
            instances: 2
            health:
              path: /healthz
            environments:
              production:
                listen: 127.0.0.1:18490
                strategy: blue-green
                approval: required
                analysis:
                  interval: 1s
                  window: 8s
                  max-error-rate: 2%
                  failure-limit: 2
        """;

    [Fact]
    public void Parse_IssueExample_YieldsEveryValue()
    {
        var result = DeliveryConfigParser.Parse(IssueExample);

        Assert.True(result.Ok, string.Join("\n", result.Errors));
        var app = Assert.Single(result.Config!.Apps);
        Assert.Equal("web", app.Name);
        var env = app.FindEnvironment("production")!;
        Assert.Equal("python3 app.py", env.Run);
        Assert.Equal(2, env.Instances);
        Assert.Equal("/healthz", env.Health.Path);
        Assert.Equal("127.0.0.1:18490", env.Listen);
        Assert.Equal(StrategyKind.BlueGreen, env.Strategy);
        Assert.True(env.ApprovalRequired);
        Assert.Equal(TimeSpan.FromSeconds(1), env.Analysis.Interval);
        Assert.Equal(TimeSpan.FromSeconds(8), env.Analysis.Window);
        Assert.Equal(0.02, env.Analysis.MaxErrorRate, 6);
        Assert.Equal(2, env.Analysis.FailureLimit);
    }

    [Fact]
    public void Parse_EveryKey_EnvironmentOverridesApp()
    {
        var yaml = """
            apps:
              api:
                run: ./server
                env: { A: app, B: app }
                secrets: { DB_PASSWORD: db-password }
                pre-deploy: ./migrate
                smoke: [/, { path: /ready, status: 204, contains: ok }]
                health: { path: /h, interval: 500ms, timeout: 250ms, healthy-threshold: 3 }
                environments:
                  staging:
                    listen: 127.0.0.1:9001
                    env: { B: staging }
                    strategy: canary
                    sticky-cookie: canary
                    scale-down-delay: 2m
                    steps:
                      - { weight: 5, pause: 1m30s }
                      - { weight: 50, pause: 10s, analysis: false }
                    analysis:
                      max-p99-latency: 300ms
                      min-requests: 50
                      metric: { prometheus: "http://127.0.0.1:9090", query: "rate(x{version='{version}'}[1m])", max: 0.5 }
                  production:
                    listen: 127.0.0.1:9002
                    health: { path: /live }
                    analysis: false
            """;

        var result = DeliveryConfigParser.Parse(yaml);

        Assert.True(result.Ok, string.Join("\n", result.Errors));
        var app = result.Config!.FindApp("api")!;
        var staging = app.FindEnvironment("staging")!;
        Assert.Equal("app", staging.Env["A"]);
        Assert.Equal("staging", staging.Env["B"]);
        Assert.Equal("db-password", staging.Secrets["DB_PASSWORD"]);
        Assert.Equal("./migrate", staging.PreDeploy);
        Assert.Equal([new SmokeCheck("/"), new SmokeCheck("/ready", 204, "ok")], staging.Smoke);
        Assert.Equal(TimeSpan.FromMilliseconds(500), staging.Health.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(250), staging.Health.Timeout);
        Assert.Equal(3, staging.Health.HealthyThreshold);
        Assert.Equal(StrategyKind.Canary, staging.Strategy);
        Assert.Equal("canary", staging.StickyCookie);
        Assert.Equal(TimeSpan.FromMinutes(2), staging.ScaleDownDelay);
        Assert.Equal([new CanaryStep(5, TimeSpan.FromSeconds(90), true), new CanaryStep(50, TimeSpan.FromSeconds(10), false)], staging.Steps);
        Assert.Equal(TimeSpan.FromMilliseconds(300), staging.Analysis.MaxP99Latency);
        Assert.Equal(50, staging.Analysis.MinRequests);
        Assert.Equal(0.5, staging.Analysis.Metric!.Max);
        var production = app.FindEnvironment("production")!;
        Assert.Equal("/live", production.Health.Path);
        Assert.Equal(TimeSpan.FromMilliseconds(500), production.Health.Interval);
        Assert.False(production.Analysis.Enabled);
        Assert.Equal(StrategyKind.Rolling, production.Strategy);
        Assert.Equal(1, production.Instances);
    }

    [Fact]
    public void Parse_SeveralMistakes_ReportsEachWithLineAndColumn()
    {
        var yaml = """
            apps:
              web:
                instances: zero
                health:
                  path: healthz
                  colour: red
                environments:
                  production:
                    listen: nowhere
                    strategy: big-bang
                    analysis:
                      interval: 1 fortnight
                      max-error-rate: 200%
                  staging:
                    strategy: canary
            """;

        var result = DeliveryConfigParser.Parse(yaml, "catalytic.yml");

        Assert.False(result.Ok);
        Assert.Null(result.Config);
        var lines = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Contains(lines, l => l.StartsWith("catalytic.yml:2:3: app 'web': missing `run:`", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("catalytic.yml:3:16: `instances:` 'zero'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("catalytic.yml:5:13: `health.path` 'healthz' must start with /", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("catalytic.yml:6:7: unknown key 'colour'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("catalytic.yml:9:17: `listen:` 'nowhere'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("catalytic.yml:10:19: `strategy:` 'big-bang'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("catalytic.yml:12:21: `interval:` '1 fortnight'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("catalytic.yml:13:27: `max-error-rate:` '200%'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("catalytic.yml:14:7: environment 'staging': missing `listen:`", StringComparison.Ordinal));
        Assert.True(lines.Count == 9, string.Join("\n", lines));
    }

    [Fact]
    public void Parse_BrokenYaml_ReportsPosition()
    {
        var result = DeliveryConfigParser.Parse("apps:\n  web: [unclosed\n", "c.yml");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("c.yml:", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("invalid YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateListenAndFallingCanaryWeights_AreErrors()
    {
        var yaml = """
            apps:
              a:
                run: x
                environments:
                  one: { listen: "127.0.0.1:9000", strategy: canary, steps: [{ weight: 50 }, { weight: 20 }] }
              b:
                run: y
                environments:
                  two: { listen: "127.0.0.1:9000" }
            """;

        var result = DeliveryConfigParser.Parse(yaml);

        Assert.Equal(2, result.Errors.Length);
        Assert.Contains(result.Errors, e => e.Message.Contains("must increase", StringComparison.Ordinal) && e.Line == 5);
        Assert.Contains(result.Errors, e => e.Message.Contains("already used by a/one", StringComparison.Ordinal) && e.Line == 9);
    }

    [Theory]
    [InlineData("2%", 0.02)]
    [InlineData("0.5%", 0.005)]
    [InlineData("0.1", 0.1)]
    public void TryParsePercent_PercentOrFraction_Parse(string text, double expected)
    {
        Assert.True(Units.TryParsePercent(text, out var f));
        Assert.Equal(expected, f, 9);
    }
}
