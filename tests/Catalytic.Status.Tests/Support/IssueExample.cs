namespace Catalytic.Status.Tests.Support;

/// <summary>The configuration of issue 14, exactly as the issue writes it.</summary>
public static class IssueExample
{
    public const string Yaml = """
        checks:
          api:
            url: http://127.0.0.1:18601/health
            interval: 1s
            conditions:
              - "[STATUS] == 200"
              - "[BODY].status == UP"
            failure-threshold: 2
            severity: critical
          cert:
            url: tls://127.0.0.1:18602
            interval: 1s
            conditions:
              - "[CERTIFICATE_EXPIRATION] > 720h"
            severity: critical
        notifications:
          channels:
            ops-slack:
              slack:
                webhook-url: http://127.0.0.1:18603/hook
            ops-mail:
              email:
                host: 127.0.0.1
                port: 18604
                tls: none
                from: catalytic@example.com
                to: [ops@example.com]
          routes:
            - match:
                severity: critical
              to: [ops-slack, ops-mail]
              group-wait: 0s
              send-resolved: true
        """;
}
