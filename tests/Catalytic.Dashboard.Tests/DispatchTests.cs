using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Runs;
using Microsoft.Playwright;

namespace Catalytic.Dashboard.Tests;

/// <summary>
/// The dispatch page and what it leads to, against the fixture's real server: the form drawn from the release
/// workflow's inputs, the API's own errors shown at the field they name (nothing dispatched), then a run whose page
/// draws the job graph from `needs` with the matrix's legs grouped, and the approval of its production job by an
/// approver (a developer sees no approve button). The dispatch-forms API's refusals of bad input are checked too.
/// </summary>
public sealed class DispatchTests(DashboardFixture f)
{
    private string Repo => f.FailedRun.Repository;

    [Fact]
    public async Task DispatchForm_ShowsTheApisErrorsAtTheField_ThenRunsTheGraphAndTheApprovalFollow()
    {
        var page = await f.PageAsync();
        await f.SignInAsync(page, "dev1", "/dispatch?workflow=release.yml");

        // Each kind of input as its control, with the workflow's defaults.
        var target = page.GetByLabel("target");
        await Assertions.Expect(target).ToHaveValueAsync("staging");
        Assert.Equal("select", await target.EvaluateAsync<string>("e => e.tagName.toLowerCase()"));
        await Assertions.Expect(page.GetByLabel("dry-run")).ToBeCheckedAsync();
        Assert.Equal("checkbox", await page.GetByLabel("dry-run").GetAttributeAsync("type"));
        var replicas = page.GetByLabel("replicas (required)");
        await Assertions.Expect(replicas).ToHaveValueAsync("");
        // Every environment the server knows: production has rules (environments:), staging is only the web app's.
        Assert.Equal(["production", "staging"], await page.Locator("#in-deploy-to-list option").EvaluateAllAsync<string[]>("os => os.map(o => o.value)"));
        await Assertions.Expect(page.GetByText("where the release goes")).ToBeVisibleAsync();
        var before = (await RunsAsync()).Count(r => r.Workflow == "release");

        // The API's checks, shown under the field: a number that is not one, then a required input left empty.
        await replicas.FillAsync("many");
        await page.GetByRole(AriaRole.Button, new() { Name = "▶ Run workflow" }).ClickAsync();
        await Assertions.Expect(page.Locator("#in-replicas-error")).ToContainTextAsync("input 'replicas' is a number; 'many' is not");
        await Assertions.Expect(replicas).ToHaveAttributeAsync("aria-invalid", "true");
        await replicas.FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "▶ Run workflow" }).ClickAsync();
        await Assertions.Expect(page.Locator("#in-replicas-error")).ToContainTextAsync("input 'replicas' is required");
        Assert.Equal(before, (await RunsAsync()).Count(r => r.Workflow == "release"));

        // A good dispatch opens its run, on main's newest commit (other tests of the fixture may have committed since).
        var head = (await f.Repository.GitAsync("log", "-1", "--format=%s", "main")).Trim();
        await replicas.FillAsync("3");
        await target.SelectOptionAsync("production");
        await page.GetByLabel("dry-run").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "▶ Run workflow" }).ClickAsync();
        await page.WaitForURLAsync(u => System.Text.RegularExpressions.Regex.IsMatch(u, @"/runs/\d+"));
        var runId = long.Parse(new Uri(page.Url).AbsolutePath.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
        await Assertions.Expect(page.Locator("#run-head")).ToContainTextAsync(head);

        // The graph: compile's three legs in one box, package one stage right with an edge from compile.
        var compile = page.Locator(".node[data-node='compile']");
        await Assertions.Expect(compile).ToContainTextAsync("3 legs");
        await Assertions.Expect(compile.Locator("button.job")).ToHaveCountAsync(3);
        var package = page.Locator(".node[data-node='package']");
        await Assertions.Expect(package.Locator(".needs")).ToHaveTextAsync("needs compile");
        await Assertions.Expect(page.Locator("path[data-edge='compile>package']")).ToHaveCountAsync(1);
        // One read in the page (a live redraw may replace the boxes between two reads): the stage of each, and whether
        // package's box starts right of compile's.
        var layout = await page.EvaluateAsync<int[]>(@"() => {
            const stages = [...document.querySelectorAll('.graph > .stage')];
            const at = id => stages.findIndex(s => s.querySelector(`[data-node='${id}']`));
            const box = id => document.querySelector(`[data-node='${id}']`).getBoundingClientRect();
            return [at('compile'), at('package'), box('package').left >= box('compile').right ? 1 : 0];
        }");
        Assert.Equal([0, 1, 1], layout);

        // compile succeeds; package waits for production's approval, which a developer may not give.
        await Assertions.Expect(compile).ToHaveAttributeAsync("data-state", "success", new() { Timeout = 180_000 });
        await Assertions.Expect(compile).ToContainTextAsync("3 success");
        await Assertions.Expect(package).ToHaveAttributeAsync("data-state", "waiting", new() { Timeout = 120_000 });
        Assert.Equal(0, await page.Locator("[data-approve]").CountAsync());
        await page.Locator("button.job[data-job='compile.2']").ClickAsync();
        // The leg's own output line (not its step's header, which shows the command).
        await Assertions.Expect(page.Locator(".log-line .tx").GetByText("compiling web for production x3 dry-run false", new() { Exact = true })).ToBeVisibleAsync();
        await page.Context.CloseAsync();

        var approver = await f.PageAsync();
        await f.SignInAsync(approver, "approver1", $"/runs/{runId}");
        await approver.Locator("[data-approve='package']").ClickAsync();
        await Assertions.Expect(approver.Locator(".action-status")).ToHaveTextAsync("Approve package: done.");
        await Assertions.Expect(approver.Locator(".node[data-node='package']")).ToHaveAttributeAsync("data-state", "success", new() { Timeout = 180_000 });
        await approver.Context.CloseAsync();
        var audit = await f.Local.GetStringAsync("api/audit?action=approve&limit=20");
        Assert.Contains($"run {runId}", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DispatchFormsApi_RefusesBadInput_NamingTheField()
    {
        await ExpectProblemAsync("api/repos/no-such-repo/dispatch-forms", HttpStatusCode.NotFound, "repo");
        await ExpectProblemAsync($"api/repos/{Repo}/dispatch-forms?ref=no-such-branch", HttpStatusCode.NotFound, "ref");
        await ExpectProblemAsync($"api/repos/{Repo}/dispatch-forms?ref=..%2F..%2Fetc", HttpStatusCode.NotFound, "ref");
        await ExpectProblemAsync($"api/repos/{Repo}/dispatch-forms?ref=--upload-pack%3Dtouch%20x", HttpStatusCode.NotFound, "ref");
        await ExpectProblemAsync($"api/repos/{Repo}/dispatch-forms?ref=main%0Aevil", HttpStatusCode.BadRequest, "ref");
        await ExpectProblemAsync($"api/repos/{Repo}/dispatch-forms?ref={new string('a', 300)}", HttpStatusCode.BadRequest, "ref");
        using var anonymous = new HttpClient { BaseAddress = f.Url };
        using (var r = await anonymous.GetAsync($"api/repos/{Repo}/dispatch-forms"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }

        // The good answer: only the workflow with a workflow_dispatch trigger, its inputs as written, the environments.
        var form = (await f.Local.GetFromJsonAsync($"api/repos/{Repo}/dispatch-forms", ApiJson.Default.DispatchFormView))!;
        Assert.Equal("refs/heads/main", form.Ref);
        // (Another test of the fixture may have committed a dispatchable workflow of its own meanwhile.)
        Assert.DoesNotContain(form.Workflows, w => w.Path == ".github/workflows/ci.yml");
        var release = Assert.Single(form.Workflows, w => w.Path == ".github/workflows/release.yml");
        Assert.Equal((".github/workflows/release.yml", "release"), (release.Path, release.Name));
        Assert.Equal(["target:choice", "dry-run:boolean", "replicas:number", "deploy-to:environment", "note:string"], release.Inputs.Select(i => $"{i.Name}:{i.Type}"));
        Assert.Equal(["staging", "production"], release.Inputs[0].Options);
        Assert.Equal(["production", "staging"], form.Environments);

        // A hostile dispatch body is refused before anything runs.
        var before = (await RunsAsync()).Count;
        using (var r = await f.Local.PostAsync($"api/repos/{Repo}/dispatches", new StringContent("{\"workflow\": ", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        }

        using (var r = await f.Local.PostAsJsonAsync($"api/repos/{Repo}/dispatches", new DispatchBody("release.yml", null, new Dictionary<string, string> { ["replicas"] = "2", ["nope"] = "x" }), ApiJson.Default.DispatchBody))
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            var answer = (await r.Content.ReadFromJsonAsync(ApiJson.Default.DispatchAnswer))!;
            Assert.Contains(answer.Errors, e => e.EndsWith("workflow_dispatch has no input 'nope'", StringComparison.Ordinal));
            Assert.Empty(answer.RunIds);
        }

        Assert.Equal(before, (await RunsAsync()).Count);
    }

    private async Task ExpectProblemAsync(string path, HttpStatusCode status, string field)
    {
        using var r = await f.Local.GetAsync(path);
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == status, $"{path}: {(int)r.StatusCode} {body}");
        using var doc = JsonDocument.Parse(body);
        Assert.Equal(field, doc.RootElement.GetProperty("field").GetString());
    }

    private async Task<IReadOnlyList<RunView>> RunsAsync() =>
        (await f.Local.GetFromJsonAsync("api/runs?limit=1000", ApiJson.Default.IReadOnlyListRunView))!;
}
