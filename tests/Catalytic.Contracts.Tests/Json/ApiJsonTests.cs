using System.Text.Json;
using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Problems;

namespace Catalytic.Contracts.Tests.Json;

/// <summary>The wire form the server writes and every client reads: camelCase, nulls left out, round trips exactly.</summary>
public sealed class ApiJsonTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void DeploymentView_RoundTrips_InCamelCase_WithoutNullsOrComputedMembers()
    {
        var view = new DeploymentView("d-1", "web", "production", "v2", null, "canary", DeploymentStateNames.WaitingForApproval, "approval required", T0, T0.AddSeconds(1),
            [new EventView(T0, DeploymentStateNames.Pending, "requested")], [new ApprovalView("alice", true, T0, null)]);

        var json = JsonSerializer.Serialize(view, ApiJson.Default.DeploymentView);

        Assert.DoesNotContain("previousVersion", json, StringComparison.Ordinal);
        Assert.DoesNotContain("isTerminal", json, StringComparison.Ordinal);
        Assert.DoesNotContain("exitCode", json, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"waiting-for-approval\"", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize(json, ApiJson.Default.DeploymentView)!;
        Assert.Equal(view with { Events = null, Approvals = null }, back with { Events = null, Approvals = null });
        Assert.Equal(view.Events, back.Events);
        Assert.Equal(view.Approvals, back.Approvals);
    }

    [Fact]
    public void ProblemView_ReadsTheServersProblemDocument_WithTheFieldAndEveryError()
    {
        var json = $$"""
            {"type":"{{ApiProblems.Invalid.Type}}","title":"invalid request","status":400,"detail":"2 error(s) in configuration; nothing changed",
             "field":"config","errors":["catalytic.yml:3:5: unknown key 'bogus'","catalytic.yml:9:1: missing `listen:`"],"traceId":"00-ab"}
            """;

        var problem = JsonSerializer.Deserialize(json, ApiJson.Default.ProblemView)!;

        Assert.Equal(("config", 400, "invalid request"), (problem.Field, problem.Status, problem.Title));
        Assert.Equal(2, problem.Errors!.Count);
        Assert.Equal("https://catalytic.dev/problems/invalid-request", problem.Type);
    }

    [Theory]
    [InlineData("{\"app\":")]
    [InlineData("[1,2]")]
    [InlineData("{\"app\": 3}")]
    public void DeployBody_Malformed_IsAJsonException(string json) =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, ApiJson.Default.DeployBody));
}
