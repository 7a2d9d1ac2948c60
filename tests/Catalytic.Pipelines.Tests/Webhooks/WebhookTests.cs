using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Tests.Support;
using Catalytic.Pipelines.Tests.Triggers;
using Catalytic.Pipelines.Webhooks;

namespace Catalytic.Pipelines.Tests.Webhooks;

/// <summary>A forge's repository (a bare repository fetched over file://) and a clone people push from.</summary>
public sealed class Forge : IDisposable
{
    public const string Secret = "s3cret-hook-value";

    public Forge()
    {
        Work.Commit("init", (".github/workflows/ci.yml", CommitTriggerTests.PushAll));
        Work.Git("push", "-q", Remote.Path, "main");
    }

    public TestRepository Remote { get; } = new(bare: true);

    public TestRepository Work { get; } = new();

    public RepositoryDefinition Definition => new()
    {
        Name = "api",
        Url = "file://" + Remote.Path,
        Poll = TimeSpan.FromHours(1),
        WebhookSecret = "api-hook",
    };

    public DictionarySecrets Secrets { get; } = new(new() { ["api-hook"] = Secret });

    /// <summary>Commits in the clone and pushes to the forge: (before, after).</summary>
    public (string Before, string After) Push(string file, string branch = "main")
    {
        var before = Work.Git("rev-parse", "HEAD");
        var after = Work.Commit("change " + file, (file, file));
        Work.Git("push", "-q", Remote.Path, "HEAD:refs/heads/" + branch);
        return (before, after);
    }

    public static byte[] PushBody(string gitRef, string before, string after, string sender = "octocat") => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["ref"] = gitRef,
        ["before"] = before,
        ["after"] = after,
        ["forced"] = false,
        ["repository"] = new JsonObject { ["full_name"] = "acme/api", ["name"] = "api" },
        ["pusher"] = new JsonObject { ["name"] = sender },
        ["sender"] = new JsonObject { ["login"] = sender },
    }.ToJsonString());

    public static Dictionary<string, string> Headers(byte[] body, string eventName = "push", string? delivery = null, string secret = Secret) => new()
    {
        ["X-GitHub-Event"] = eventName,
        ["X-GitHub-Delivery"] = delivery ?? Guid.NewGuid().ToString(),
        ["X-Hub-Signature-256"] = WebhookSignature.Sign(secret, body),
        ["Content-Type"] = "application/json",
    };

    public void Dispose()
    {
        Remote.Dispose();
        Work.Dispose();
    }
}

public sealed class WebhookTests
{
    [Fact]
    public async Task Push_WithAGoodSignature_FetchesTheCommitAndQueuesItsRuns_OnceWhateverTheRedeliveries()
    {
        using var forge = new Forge();
        await using var h = await Harness.StartAsync(forge.Work.State, [forge.Definition], secrets: forge.Secrets);
        var (before, after) = forge.Push("a.txt");
        var body = Forge.PushBody("refs/heads/main", before, after);
        var headers = Forge.Headers(body, delivery: "d-1");

        var outcome = await h.Triggers.Webhooks.HandleAsync("api", headers, body, default);
        Assert.Equal(202, outcome.Status);
        var run = Assert.Single(h.Queue.Runs);
        Assert.Equal(("push", "refs/heads/main", after, "octocat", "webhook"), (run.EventName, run.Ref, run.Sha, run.Actor, run.Source));
        Assert.Equal("acme/api", run.Payload["repository"]!["full_name"]!.GetValue<string>());
        Assert.Equal(after, TestRepository.Run(h["api"].Mirror.Directory, "rev-parse", after + "^{commit}"));

        Assert.Equal(202, (await h.Triggers.Webhooks.HandleAsync("api", headers, body, default)).Status);
        Assert.Equal(202, (await h.Triggers.Webhooks.HandleAsync("api", Forge.Headers(body, delivery: "d-2"), body, default)).Status);
        h["api"].RequestScan();
        var scans = h["api"].Scans;
        await Wait.UntilAsync(() => h["api"].Scans > scans, "the poll's scan");
        Assert.Single(h.Queue.Runs);
    }

    [Theory]
    [InlineData(null, 401, "not signed")]
    [InlineData("sha256=0000000000000000000000000000000000000000000000000000000000000000", 401, "does not match")]
    [InlineData("sha256=zz", 401, "does not match")]
    [InlineData("wrong-secret", 401, "does not match")]
    public async Task BadOrMissingSignature_Is401_AndQueuesNothing(string? signature, int status, string message)
    {
        using var forge = new Forge();
        await using var h = await Harness.StartAsync(forge.Work.State, [forge.Definition], secrets: forge.Secrets);
        var (before, after) = forge.Push("a.txt");
        var body = Forge.PushBody("refs/heads/main", before, after);
        var headers = Forge.Headers(body);
        if (signature == "wrong-secret")
        {
            headers = Forge.Headers(body, secret: "not-the-secret");
        }
        else if (signature is null)
        {
            headers.Remove("X-Hub-Signature-256");
        }
        else
        {
            headers["X-Hub-Signature-256"] = signature;
        }

        var outcome = await h.Triggers.Webhooks.HandleAsync("api", headers, body, default);
        Assert.Equal(status, outcome.Status);
        Assert.Contains(message, outcome.Message, StringComparison.Ordinal);
        Assert.Empty(h.Queue.Submitted);
        Assert.Null(await h["api"].Mirror.ResolveCommitAsync(after, default));
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("{\"before\":\"x\"}", "has no 'ref'")]
    [InlineData("{\"ref\":1,\"before\":\"a\",\"after\":\"b\"}", "'ref' must be a string")]
    [InlineData("{\"ref\":\"--upload-pack=touch /tmp/pwned\",\"before\":\"0000000000000000000000000000000000000000\",\"after\":\"1111111111111111111111111111111111111111\"}", "not a branch or tag")]
    [InlineData("{\"ref\":\"refs/heads/../../x\",\"before\":\"0000000000000000000000000000000000000000\",\"after\":\"1111111111111111111111111111111111111111\"}", "not a branch or tag")]
    [InlineData("{\"ref\":\"refs/heads/main\",\"before\":\"HEAD\",\"after\":\"-c core.sshCommand=x\"}", "full commit ids")]
    [InlineData("{\"ref\":\"refs/heads/main\",\"ref\":\"refs/heads/other\",\"before\":\"0000000000000000000000000000000000000000\",\"after\":\"1111111111111111111111111111111111111111\"}", "Duplicate")]
    public Task MalformedOrHostilePayload_Is400_NamingWhatIsWrong(string json, string message) => AssertRefusedAsync("push", json, message);

    [Fact]
    public async Task PayloadThatIsNotUtf8_Is400_NotAnException()
    {
        using var forge = new Forge();
        await using var h = await Harness.StartAsync(forge.Work.State, [forge.Definition], secrets: forge.Secrets);
        byte[] body = [.. "{\"ref\":\"refs/heads/m"u8, 0xFF, .. "\",\"before\":\"0000000000000000000000000000000000000000\",\"after\":\"1111111111111111111111111111111111111111\"}"u8];
        var outcome = await h.Triggers.Webhooks.HandleAsync("api", Forge.Headers(body), body, default);
        Assert.Equal((400, "the payload is not valid JSON: it is not UTF-8"), (outcome.Status, outcome.Message));
        Assert.Empty(h.Queue.Submitted);
    }

    [Theory]
    [InlineData("{\"action\":\"opened\",\"number\":3,\"pull_request\":{\"head\":[\"sha\"],\"base\":\"main\"}}", "'pull_request.head.sha' must be a full commit id; 'pull_request.base.ref' must be a branch name")]
    [InlineData("{\"action\":\"opened\",\"number\":\"3\",\"pull_request\":\"x\"}", "has no 'pull_request' object; 'number' must be a positive integer")]
    [InlineData("{\"action\":[],\"number\":-1,\"pull_request\":{\"head\":{\"sha\":1},\"base\":{\"ref\":\"a..b\"}}}", "'action' must be a string")]
    public Task HostilePullRequestPayload_Is400_NamingEachField_NeverAnException(string json, string message) => AssertRefusedAsync("pull_request", json, message);

    private static async Task AssertRefusedAsync(string eventName, string json, string message)
    {
        using var forge = new Forge();
        await using var h = await Harness.StartAsync(forge.Work.State, [forge.Definition], secrets: forge.Secrets);
        var body = Encoding.UTF8.GetBytes(json);
        var outcome = await h.Triggers.Webhooks.HandleAsync("api", Forge.Headers(body, eventName), body, default);
        Assert.Equal(400, outcome.Status);
        Assert.Contains(message, outcome.Message, StringComparison.Ordinal);
        Assert.Empty(h.Queue.Submitted);
    }

    [Fact]
    public async Task DeeplyNestedPayload_Is400_UnknownRepository404_UnconfiguredSecret403_DeletedRefStartsNothing()
    {
        using var forge = new Forge();
        await using var h = await Harness.StartAsync(forge.Work.State, [forge.Definition, forge.Definition with { Name = "nohook", WebhookSecret = null }], secrets: forge.Secrets);
        var deep = Encoding.UTF8.GetBytes(new string('[', 10_000) + new string(']', 10_000));
        Assert.Equal(400, (await h.Triggers.Webhooks.HandleAsync("api", Forge.Headers(deep), deep, default)).Status);
        var body = Forge.PushBody("refs/heads/main", new string('0', 40), new string('0', 40));
        Assert.Equal(404, (await h.Triggers.Webhooks.HandleAsync("nope", Forge.Headers(body), body, default)).Status);
        Assert.Equal(403, (await h.Triggers.Webhooks.HandleAsync("nohook", Forge.Headers(body), body, default)).Status);
        var deleted = await h.Triggers.Webhooks.HandleAsync("api", Forge.Headers(body), body, default);
        Assert.Equal(202, deleted.Status);
        Assert.Contains("deleted", deleted.Message, StringComparison.Ordinal);
        Assert.Equal(200, (await h.Triggers.Webhooks.HandleAsync("api", Forge.Headers(body, "ping"), body, default)).Status);
        Assert.Empty(h.Queue.Submitted);
    }

    [Fact]
    public async Task CommitTheForgeDoesNotHave_Is422()
    {
        using var forge = new Forge();
        await using var h = await Harness.StartAsync(forge.Work.State, [forge.Definition], secrets: forge.Secrets);
        var body = Forge.PushBody("refs/heads/main", new string('0', 40), new string('a', 40));
        var outcome = await h.Triggers.Webhooks.HandleAsync("api", Forge.Headers(body), body, default);
        Assert.Equal(422, outcome.Status);
        Assert.Empty(h.Queue.Submitted);
    }

    [Fact]
    public async Task GiteaPullRequest_Synchronized_RunsOnTheMergeCommit_WithGithubsActionName()
    {
        using var forge = new Forge();
        const string prWorkflow = "on:\n  pull_request:\n    paths: ['src/**']\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo pr\n";
        forge.Work.Commit("pr workflow", (".github/workflows/pr.yml", prWorkflow));
        forge.Work.Git("push", "-q", forge.Remote.Path, "main");
        await using var h = await Harness.StartAsync(forge.Work.State, [forge.Definition], secrets: forge.Secrets);
        forge.Work.Git("checkout", "-q", "-b", "feature");
        var head = forge.Work.Commit("search the catalogue by colour", ("src/f.cs", "f"));
        forge.Work.Git("push", "-q", forge.Remote.Path, "feature:refs/pull/7/head");
        var baseSha = forge.Work.Git("rev-parse", "main");
        var body = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["action"] = "synchronized",
            ["number"] = 7,
            ["pull_request"] = new JsonObject
            {
                ["number"] = 7,
                ["head"] = new JsonObject { ["ref"] = "feature", ["sha"] = head },
                ["base"] = new JsonObject { ["ref"] = "main", ["sha"] = baseSha },
                ["user"] = new JsonObject { ["login"] = "gitea-user" },
            },
            ["repository"] = new JsonObject { ["full_name"] = "acme/api" },
            ["sender"] = new JsonObject { ["login"] = "gitea-user" },
        }.ToJsonString());
        var headers = new Dictionary<string, string>
        {
            ["X-Gitea-Event"] = "pull_request",
            ["X-Gitea-Delivery"] = "g-1",
            ["X-Gitea-Signature"] = WebhookSignature.Sign(Forge.Secret, body)["sha256=".Length..],
        };

        var outcome = await h.Triggers.Webhooks.HandleAsync("api", headers, body, default);
        Assert.Equal(202, outcome.Status);
        var run = Assert.Single(h.Queue.Runs);
        Assert.Equal(("pull_request", "refs/pull/7/merge", ".github/workflows/pr.yml"), (run.EventName, run.Ref, run.WorkflowPath));
        Assert.Equal("synchronize", run.Payload["action"]!.GetValue<string>());
        // The subject the runs page shows is the pull request's head commit's, not the merge commit's.
        Assert.Equal("search the catalogue by colour", run.CommitMessage);
        var parents = TestRepository.Run(h["api"].Mirror.Directory, "rev-list", "--parents", "-n", "1", run.Sha).Split(' ');
        Assert.Equal([run.Sha, baseSha, head], parents);
    }

    [Fact]
    public async Task OverHttp_TheEndpointAnswersWithTheOutcome_AndRefusesOversizedBodiesWith413()
    {
        using var forge = new Forge();
        await using var h = await Harness.StartAsync(forge.Work.State, [forge.Definition], secrets: forge.Secrets);
        await using var server = await TestServer.StartAsync(h.Triggers, forge.Work.State);
        using var http = new HttpClient { BaseAddress = server.Address };
        var (before, after) = forge.Push("a.txt");
        var body = Forge.PushBody("refs/heads/main", before, after);

        using var good = await Post(http, "api/hooks/api", body, Forge.Headers(body));
        Assert.Equal(HttpStatusCode.Accepted, good.StatusCode);
        Assert.Contains("queued 1 run", await good.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var unsigned = await Post(http, "api/hooks/api", body, []);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);

        var huge = new byte[WebhookHandler.MaxBodyBytes + 1];
        using var tooLarge = await Post(http, "api/hooks/api", huge, Forge.Headers(huge));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Single(h.Queue.Runs);
    }

    internal static async Task<HttpResponseMessage> Post(HttpClient http, string path, byte[] body, Dictionary<string, string> headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        foreach (var (k, v) in headers.Where(p => p.Key != "Content-Type"))
        {
            request.Headers.TryAddWithoutValidation(k, v);
        }

        return await http.SendAsync(request);
    }
}
