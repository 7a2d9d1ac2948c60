using Catalytic.Delivery.Config;
using Catalytic.Status.Config;
using Catalytic.Status.Tests.Support;

namespace Catalytic.Status.Tests.Config;

public sealed class StatusConfigParserTests
{
    [Fact]
    public void Parse_IssueExample_HasTheMeaningsTheIssueGives()
    {
        var (config, errors) = StatusConfigParser.Parse(IssueExample.Yaml);
        Assert.Empty(errors);
        var api = config!.Checks.Single(c => c.Name == "api");
        Assert.Equal(TimeSpan.FromSeconds(1), api.Interval);
        Assert.Equal(2, api.FailureThreshold);
        Assert.Equal("critical", api.Severity);
        Assert.Equal(CheckKind.Http, api.Kind);
        Assert.Equal(["[STATUS] == 200", "[BODY].status == UP"], api.Conditions.Select(c => c.Condition.Text));
        Assert.True(api.Timeout <= api.Interval, "a probe never outlasts its interval");
        var cert = config.Checks.Single(c => c.Name == "cert");
        Assert.Equal(CheckKind.Tls, cert.Kind);
        Assert.Equal(18602, cert.Url.Port);
        Assert.Equal("http://127.0.0.1:18603/hook", config.Channels["ops-slack"].Slack!.WebhookUrl);
        var mail = config.Channels["ops-mail"].Email!;
        Assert.Equal((SmtpTls.None, 18604, "catalytic@example.com"), (mail.Tls, mail.Port, mail.From));
        var route = Assert.Single(config.Routes);
        Assert.Equal(["ops-slack", "ops-mail"], route.To);
        Assert.Equal(TimeSpan.Zero, route.GroupWait);
        Assert.True(route.SendResolved);
        Assert.Equal("critical", route.Match["severity"]);
    }

    [Fact]
    public void Parse_IssueExample_IsAValidCatalyticYmlForDelivery()
    {
        var r = DeliveryConfigParser.Parse(IssueExample.Yaml);
        Assert.True(r.Ok, string.Join("\n", r.Errors));
        Assert.Empty(r.Config!.Apps);
    }

    [Fact]
    public void Parse_BadConditions_EachIsAnErrorAtItsFileLineAndColumn()
    {
        const string yaml = """
            checks:
              api:
                url: http://127.0.0.1:1/health
                conditions:
                  - "[STATUS] == 200"
                  - "[STATS] == 200"
                  - '[BODY].status = UP'
                  - condition: "[RESPONSE_TIME] < fast"
                    degraded-only: true
            """;
        var (config, errors) = StatusConfigParser.Parse(yaml, "ops/catalytic.yml");
        Assert.Null(config);
        Assert.Equal(3, errors.Length);
        // Line 6: `      - "[STATS] == 200"` — the placeholder starts after the quote at column 10.
        Assert.Equal("ops/catalytic.yml:6:10: condition \"[STATS] == 200\": unknown placeholder [STATS]; did you mean [STATUS]?", errors[0].ToString());
        // Line 7, single-quoted: the text starts at column 10 and the '=' is 14 characters in.
        Assert.Equal((7, 24), (errors[1].Line, errors[1].Column));
        Assert.Contains("use == to compare", errors[1].Message, StringComparison.Ordinal);
        // Line 8: `      - condition: "[RESPONSE_TIME] < fast"`: the text starts at column 21, the value 18 characters in.
        Assert.Equal((8, 39), (errors[2].Line, errors[2].Column));
        Assert.Contains("duration", errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EveryOtherMistake_IsCollectedWithItsPlace()
    {
        const string yaml = """
            checks:
              web:
                url: ftp://example.org
                intervall: 1s
              tcp:
                url: tcp://127.0.0.1
                failure-threshold: 0
                maintenance:
                  - { start: "25:00", duration: 1h }
                  - { start: "02:00", duration: 1h, every: [Mon, Funday], timezone: Mars/Olympus }
            notifications:
              channels:
                mail:
                  email: { host: smtp.example.org, from: ops@example.org, to: [ops@example.org], password: hunter2 }
              routes:
                - match: { severity: critical }
                  to: [slack]
                  escalate-after: 10m
            alerts:
              approval-wait: { after: 1h }
            """;
        var (config, errors) = StatusConfigParser.Parse(yaml);
        Assert.Null(config);
        var text = string.Join("\n", errors);
        Assert.Contains("catalytic.yml:3:10: check 'web': `url` 'ftp://example.org' must be", text, StringComparison.Ordinal);
        Assert.Contains("catalytic.yml:4:5: unknown key 'intervall' in check 'web' (expected one of: url, interval, ", text, StringComparison.Ordinal);
        Assert.Contains("; did you mean 'interval'?", text, StringComparison.Ordinal);
        Assert.Contains("catalytic.yml:6:10: check 'tcp': tcp:// needs a port", text, StringComparison.Ordinal);
        Assert.Contains("catalytic.yml:7:24: `failure-threshold:` '0' must be a whole number from 1 to 1000", text, StringComparison.Ordinal);
        Assert.Contains("needs `start: HH:MM`", text, StringComparison.Ordinal);
        Assert.Contains("`every` takes days Mon..Sun, not 'Funday'", text, StringComparison.Ordinal);
        Assert.Contains("unknown time zone 'Mars/Olympus'", text, StringComparison.Ordinal);
        Assert.Contains("`password:` is not allowed in catalytic.yml", text, StringComparison.Ordinal);
        Assert.Contains("no channel 'slack' under notifications.channels; did you mean 'mail'?", text, StringComparison.Ordinal);
        Assert.Contains("`escalate-after` needs `escalate-to:`", text, StringComparison.Ordinal);
        Assert.Contains("unknown alert kind 'approval-wait'; did you mean 'approval-waiting'?", text, StringComparison.Ordinal);
        Assert.True(errors.Select(e => (e.Line, e.Column)).SequenceEqual(errors.Select(e => (e.Line, e.Column)).Order()), "errors come in file order");
    }

    [Fact]
    public void Parse_FullSyntax_ReadsRoutesEscalationInhibitionReportsAndKinds()
    {
        const string yaml = """
            status: { edge-checks: false, keep: 30d, url: "https://ci.example.org/", page: { title: Acme status } }
            checks:
              api:
                url: https://127.0.0.1:8443/health
                insecure: true
                headers: { Accept: application/json }
                conditions:
                  - "[STATUS] == 200"
                  - { condition: "[RESPONSE_TIME] < 300", degraded-only: true }
                maintenance: { start: "23:30", duration: 1h, every: [Sun], timezone: Europe/Berlin }
                from: [local, workers]
                labels: { team: payments }
                runbook: https://wiki.example.org/api
            notifications:
              channels:
                slack: { slack: { webhook-url-secret: slack-url } }
                pager: { webhook: { url: "http://127.0.0.1:9/alerts", secret: pager-key } }
                lead: { webhook: { url: "http://127.0.0.1:9/lead", format: catalytic } }
              routes:
                - match: { team: payments }
                  to: [slack]
                  continue: true
                  routes:
                    - match-re: { severity: "crit.*" }
                      to: [pager]
                      escalate-after: 15m
                      escalate-to: [lead]
              inhibit:
                - { source: { alertname: check-down }, target: { alertname: check-degraded }, equal: [check] }
              reports:
                - { every: weekly, day: Mon, at: "09:00", timezone: Europe/Berlin, to: [slack] }
            alerts:
              approval-waiting: { after: 1h, runbook: https://wiki.example.org/approvals }
              slo-burn-rate: { objective: 99.5% }
              deployment-success-rate: { below: 80% }
            """;
        var (config, errors) = StatusConfigParser.Parse(yaml);
        Assert.True(errors.IsEmpty, string.Join("\n", errors));
        Assert.False(config!.EdgeChecks);
        Assert.Equal(TimeSpan.FromDays(30), config.Keep);
        var api = config.Checks[0];
        Assert.True(api.Conditions[1].DegradedOnly);
        Assert.Equal(2, api.Quorum);
        Assert.Equal(DayOfWeek.Sunday, Assert.Single(api.Maintenance).Every.Single());
        Assert.Equal("0.0", config.Routes[0].Routes[0].Key);
        Assert.Equal(TimeSpan.FromMinutes(15), config.Routes[0].Routes[0].EscalateAfter);
        Assert.Equal(2, config.Inhibit.Length);
        Assert.True(Assert.Single(config.Reports).Weekly);
        Assert.Equal(TimeSpan.FromHours(1), config.Kind("approval-waiting").After);
        Assert.Equal(0.995, config.Kind("slo-burn-rate").Threshold, 6);
        Assert.Equal(0.8, config.Kind("deployment-success-rate").Threshold, 6);
        Assert.Equal("critical", config.Kind("run-failed").Severity);
    }

    [Fact]
    public void Parse_HostileAndMalformed_AreErrorsWithTheirPlace_NotHangsOrCrashes()
    {
        // An alias bomb: 9 levels of 10 references each would be 10^9 conditions if anything expanded them.
        var bomb = new System.Text.StringBuilder("x0: &x0 [\"[STATUS] == 200\"]\n");
        for (var i = 1; i <= 9; i++)
        {
            bomb.Append($"x{i}: &x{i} [{string.Join(", ", Enumerable.Repeat($"*x{i - 1}", 10))}]\n");
        }

        bomb.Append("checks:\n  api:\n    url: http://127.0.0.1:1/\n    conditions: *x9\n    headers: *x9\n    from: []\n");
        var (config, errors) = StatusConfigParser.Parse(bomb.ToString(), "bomb.yml");
        Assert.Null(config);
        // Platform's YAML layer refuses a document whose aliases would expand past its node limit before any section
        // reader walks it: one error, placed in the file, naming the limit (nothing is expanded, nothing hangs).
        var bombError = Assert.Single(errors);
        Assert.Equal("bomb.yml", bombError.File);
        Assert.InRange(bombError.Line, 1, 16);
        Assert.Contains("aliases expand the document past 1,000,000 nodes", bombError.Message, StringComparison.Ordinal);

        foreach (var (yaml, where) in new[]
        {
            ("checks:\n  api: {url: http://x/\n", "catalytic.yml:3:1: invalid YAML"),
            ("checks:\n  api:\n    url: \"http://x/\n", "catalytic.yml:3:10: invalid YAML"),
            ("checks: [api]\n", "catalytic.yml:1:9: `checks:` (a mapping of check names) must be a mapping"),
            ("notifications:\n  routes: {to: x}\n", "catalytic.yml:2:11: "),
            ("notifications:\n  channels:\n    c: {slack: {webhook-url: 7}, email: {host: h}}\n", "catalytic.yml:3:"),
            ("alerts:\n  run-failed: {severity: loud}\n", "catalytic.yml:2:26: "),
            // A secret's name is never a path out of the secrets folder.
            ("notifications:\n  channels:\n    m: {email: {host: h, from: a@b.c, to: [a@b.c], password-secret: ../../etc/shadow}}\n", "catalytic.yml:3:69: `password-secret` names a secret"),
            ("notifications:\n  channels:\n    s: {slack: {webhook-url-secret: /etc/passwd}}\n", "catalytic.yml:3:37: `webhook-url-secret` names a secret"),
        })
        {
            var (c, e) = StatusConfigParser.Parse(yaml);
            Assert.Null(c);
            Assert.True(e.Any(x => x.ToString().StartsWith(where, StringComparison.Ordinal)), $"{yaml}: {string.Join(" | ", e)}");
        }
    }

    [Fact]
    public void MaintenanceWindow_PastMidnightInItsZone_ContainsTheRightInstants()
    {
        var (config, _) = StatusConfigParser.Parse("""
            checks:
              a:
                url: tcp://127.0.0.1:1
                maintenance: { start: "23:30", duration: 1h, every: [Sun], timezone: Europe/Berlin }
            """);
        var w = config!.Checks[0].Maintenance[0];
        // Sunday 2026-12-06 23:30 in Berlin (UTC+1) is 22:30 UTC; the window runs into Monday.
        Assert.True(w.Contains(new DateTimeOffset(2026, 12, 6, 22, 45, 0, TimeSpan.Zero)));
        Assert.True(w.Contains(new DateTimeOffset(2026, 12, 6, 23, 15, 0, TimeSpan.Zero)));
        Assert.False(w.Contains(new DateTimeOffset(2026, 12, 6, 23, 31, 0, TimeSpan.Zero)));
        Assert.False(w.Contains(new DateTimeOffset(2026, 12, 7, 22, 45, 0, TimeSpan.Zero)), "Monday evening is not in a Sunday window");
    }
}
