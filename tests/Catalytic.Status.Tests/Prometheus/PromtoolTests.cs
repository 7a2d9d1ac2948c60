using System.Diagnostics;
using System.Text.Json;
using Catalytic.Status.Config;
using Catalytic.Status.Grafana;
using Catalytic.Status.Prometheus;
using Catalytic.Status.Tests.Support;
using Catalytic.Testing.Processes;

namespace Catalytic.Status.Tests.Prometheus;

/// <summary>
/// Prometheus' own promtool (Debian's prometheus package, which ./test.sh installs) judges the rules the CLI writes,
/// runs unit tests over them, and checks the real /metrics of `catalytic serve`.
/// </summary>
public sealed class PromtoolTests
{
    private static async Task<(int Code, string Output)> RunAsync(string program, string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(program);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var r = await ProcessRun.RunAsync(psi, stdin);
        return (r.Code, r.Out + r.Err);
    }

    private static string Promtool()
    {
        var path = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists);
        Assert.True(path is not null, "promtool is missing: apt-get install prometheus (./test.sh installs it)");
        return path!;
    }

    [Fact]
    public void Rules_AtLeast25_OverMetricsThatExist()
    {
        var rules = RulesWriter.Rules(StatusConfig.Empty);
        Assert.True(rules.Length >= 25, $"{rules.Length} rules");
        Assert.Equal(rules.Length, rules.Select(r => r.Name).Distinct().Count());
        foreach (var r in rules)
        {
            Assert.All(DashboardWriter.MetricNames(r.Expr), m => Assert.True(PlatformMetrics.Names.Contains(m), $"{r.Name} reads {m}, which /metrics does not expose"));
        }
    }

    [Fact]
    public async Task PrometheusRules_FromTheCli_PassPromtoolCheckAndUnitTests()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("catalytic.yml"), """
            alerts:
              slo-burn-rate: { objective: 99.9% }
              approval-waiting: { after: 30m, runbook: https://wiki.example.org/approvals }
            """);
        await using var serve = new ServeProcess(dir.Path);
        var (code, _, err) = await serve.CliAsync("prometheus", "rules", "--out", "rules.yml");
        Assert.True(code == 0, err);
        var (checkCode, checkOut) = await RunAsync(Promtool(), null, "check", "rules", dir.File("rules.yml"));
        Assert.True(checkCode == 0, checkOut);
        Assert.Matches(@"SUCCESS: \d+ rules found", checkOut);

        File.WriteAllText(dir.File("tests.yml"), UnitTests);
        var (testCode, testOut) = await RunAsync(Promtool(), null, "test", "rules", dir.File("tests.yml"));
        Assert.True(testCode == 0, testOut);
        Assert.Contains("SUCCESS", testOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_OfARealServe_AreExactlyPlatformMetricsNames_AndPassPromtoolCheckMetrics()
    {
        // Every part that exports something runs: a check (up), a check that is down and notifies a webhook, and the
        // edge with a TLS listener (its certificate's expiry); the families /metrics shows are then compared with
        // PlatformMetrics.Names both ways, so the list the rules and boards are checked against cannot drift.
        using var dir = new TempDir();
        await using var target = new HttpTarget(Ports.Free());
        await target.StartAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();
        var notAfter = WriteCertificate(dir.File("certs/web.pem"), dir.File("certs/web.key"));
        File.WriteAllText(dir.File("catalytic.yml"), $$"""
            apps:
              web:
                run: python3 app.py
                environments:
                  production:
                    listen: 127.0.0.1:{{Ports.Free()}}
                    tls: { cert: certs/web.pem, key: certs/web.key }
            checks:
              api: { url: "http://127.0.0.1:{{target.Port}}/", interval: 200ms }
              gone: { url: "tcp://127.0.0.1:{{Ports.Free()}}", interval: 200ms, failure-threshold: 1 }
            notifications:
              channels:
                ops: { webhook: { url: "{{receiver.Url("/alerts")}}" } }
              routes:
                - { to: [ops], group-wait: 0s }
            """);
        await using var serve = new ServeProcess(dir.Path);
        await serve.StartAsync();
        await Ports.WaitAsync(async () => (await serve.ChecksAsync()).Single(c => c.Name == "api").Status == "up", "the check reported up");
        await Ports.WaitAsync(async () => (await serve.NotificationsAsync()).Any(n => n.State == "sent"), "the down check's notification sent");
        using var info = JsonDocument.Parse(await File.ReadAllTextAsync(dir.File(".catalytic/server.json")));
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(new Uri(info.RootElement.GetProperty("url").GetString()!), "metrics"));
        Assert.Contains("catalytic_check_up{check=\"api\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("catalytic_check_response_time_seconds_bucket{check=\"api\",le=", metrics, StringComparison.Ordinal);
        // At least the one the test waited for, not exactly one: under load a check can flap (a slow answer, or a port
        // another process took) and its further notifications count too. y4 (two suites on 2 cores) did not find "} 1";
        // the failure now shows the lines it read.
        var sent = System.Text.RegularExpressions.Regex.Match(metrics, @"(?m)^catalytic_notifications_total\{channel=""ops"",kind=""webhook"",outcome=""sent""\} ([0-9]+)$");
        Assert.True(sent.Success && long.Parse(sent.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1,
            "catalytic_notifications_* on /metrics:\n" + string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("catalytic_notifications", StringComparison.Ordinal))));
        Assert.Matches(@"(?m)^catalytic_edge_certificate_expiry_timestamp_seconds\{listener=""[^""]+"",certificate=""[^""]*web\.pem"",subject=""[^""]+""\} " + notAfter.ToUnixTimeSeconds() + "$", metrics);

        var exposed = System.Text.RegularExpressions.Regex.Matches(metrics, @"(?m)^# TYPE (\S+) ").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var missing = exposed.Except(PlatformMetrics.Names).Order(StringComparer.Ordinal).ToList();
        var absent = PlatformMetrics.Names.Except(exposed).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "/metrics exposes families PlatformMetrics.Names lacks: " + string.Join(", ", missing));
        Assert.True(absent.Count == 0, "PlatformMetrics.Names lists families /metrics does not expose: " + string.Join(", ", absent));
        Assert.Equal(PlatformMetrics.Names.Length, PlatformMetrics.Names.Distinct().Count());
        var (code, output) = await RunAsync(Promtool(), metrics, "check", "metrics");
        Assert.True(code == 0, output + "\n" + metrics);
    }

    // A self-signed certificate for 127.0.0.1 as PEM files (what the edge reads); returns its notAfter, to the second.
    private static DateTimeOffset WriteCertificate(string certFile, string keyFile)
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var san = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var now = Catalytic.Testing.Waiting.RealTime.Clock.GetUtcNow();
        var notAfter = DateTimeOffset.FromUnixTimeSeconds(now.AddDays(40).ToUnixTimeSeconds());
        using var cert = request.CreateSelfSigned(now.AddDays(-1), notAfter);
        Directory.CreateDirectory(Path.GetDirectoryName(certFile)!);
        File.WriteAllText(certFile, cert.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return notAfter;
    }

    [Fact]
    public void Grafana_EveryPanelQueryReadsMetricsThatExist_AndUsesTheDatasourceVariable()
    {
        foreach (var (file, title, panels) in DashboardWriter.Dashboards)
        {
            using var doc = JsonDocument.Parse(DashboardWriter.Write(file, title, panels, 0.999));
            var root = doc.RootElement;
            Assert.Contains(root.GetProperty("templating").GetProperty("list").EnumerateArray(), v => v.GetProperty("name").GetString() == "datasource" && v.GetProperty("query").GetString() == "prometheus");
            foreach (var panel in root.GetProperty("panels").EnumerateArray())
            {
                Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    var expr = target.GetProperty("expr").GetString()!;
                    var names = DashboardWriter.MetricNames(expr).ToList();
                    Assert.NotEmpty(names);
                    Assert.All(names, m => Assert.True(PlatformMetrics.Names.Contains(m), $"{file}: panel '{panel.GetProperty("title").GetString()}' reads {m}, which /metrics does not expose"));
                }
            }
        }
    }

    private const string UnitTests = """
        rule_files: [rules.yml]
        evaluation_interval: 1m
        tests:
          - interval: 1m
            input_series:
              - series: 'catalytic_check_up{check="api"}'
                values: '1 1 0 0 0'
              - series: 'catalytic_check_certificate_expiry_seconds{check="cert"}'
                values: '432000x5'
              - series: 'catalytic_edge_requests_total{app="web",env="production",version="v1",code="200"}'
                values: '0+100x90'
              - series: 'catalytic_edge_requests_total{app="web",env="production",version="v1",code="500"}'
                values: '0+5x90'
              - series: 'catalytic_edge_requests_total{app="web",env="staging",version="v1",code="200"}'
                values: '0+100x90'
              - series: 'catalytic_deployments_total{app="web",environment="production",state="rolled-back"}'
                values: '0 0 1 1 1'
              - series: 'catalytic_runs_total{repository="acme/shop",workflow="ci",conclusion="failure",default_branch="true"}'
                values: '0 0 1 1 1'
              - series: 'catalytic_runs_total{repository="acme/shop",workflow="ci",conclusion="failure",default_branch="false"}'
                values: '0 0 5 5 5'
              - series: 'catalytic_workers{state="lost"}'
                values: '0 0 1 1 1'
              - series: 'catalytic_approval_waiting_seconds{app="web",environment="production"}'
                values: '600+600x5'
            alert_rule_test:
              - eval_time: 3m
                alertname: CatalyticCheckDown
                exp_alerts:
                  - exp_labels: { severity: critical, check: api }
                    exp_annotations:
                      summary: "Check api is down"
                      description: "The check's verdict is down (its failure-threshold was reached)."
              - eval_time: 1m
                alertname: CatalyticCheckDown
                exp_alerts: []
              - eval_time: 2m
                alertname: CatalyticCertificateExpiringCritical
                exp_alerts:
                  - exp_labels: { severity: critical, check: cert }
                    exp_annotations:
                      summary: "The certificate of cert expires within 7 days"
                      description: "Renew it now."
              - eval_time: 70m
                alertname: CatalyticErrorBudgetBurnFast
                exp_alerts:
                  - exp_labels: { severity: critical, app: web, env: production }
                    exp_annotations:
                      summary: "web/production burns its error budget 14.4x too fast"
                      description: "2% of a 30-day budget in one hour."
              - eval_time: 3m
                alertname: CatalyticDeploymentRolledBack
                exp_alerts:
                  - exp_labels: { severity: critical, app: web, environment: production, state: rolled-back }
                    exp_annotations:
                      summary: "A deployment of web to production was rolled back"
                      description: "Analysis or a person rolled it back."
              - eval_time: 3m
                alertname: CatalyticRunFailedOnDefaultBranch
                exp_alerts:
                  - exp_labels: { severity: critical, repository: acme/shop, workflow: ci, conclusion: failure, default_branch: "true" }
                    exp_annotations:
                      summary: "ci failed on the default branch of acme/shop"
                      description: "Fix the build."
              - eval_time: 3m
                alertname: CatalyticWorkerLost
                exp_alerts:
                  - exp_labels: { severity: warning, state: lost }
                    exp_annotations:
                      summary: "1 worker(s) lost"
                      description: "A worker stopped renewing its lease; its jobs were re-queued."
              - eval_time: 2m
                alertname: CatalyticApprovalWaiting
                exp_alerts: []
              - eval_time: 4m
                alertname: CatalyticApprovalWaiting
                exp_alerts:
                  - exp_labels: { severity: warning, app: web, environment: production }
                    exp_annotations:
                      summary: "A deployment of web waits for approval in production"
                      description: "Approve or reject it."
                      runbook_url: "https://wiki.example.org/approvals"
        """;
}
