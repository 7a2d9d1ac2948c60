using System.Net;
using System.Net.Http.Json;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Runs;
using Catalytic.Testing.Waiting;
using Microsoft.Playwright;

namespace Catalytic.Dashboard.Tests;

/// <summary>
/// The Runs, Run and Workers pages against the fixture's real `catalytic serve`, which watches the fixture's git
/// repository and runs its workflow on the embedded worker: commits are made with git, runs are what serve recorded.
/// </summary>
public sealed class RunPagesTests(DashboardFixture f)
{
    [Fact]
    public async Task ACommit_AppearsOnTheRunsPageWithoutReload_AndItsLogStreamsWithAFoldedGroup()
    {
        var page = await f.PageAsync();
        await f.SignInAsync(page, "dev1", "/runs");
        await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("Live: updates as they happen.");
        await Assertions.Expect(page.Locator($"tr[data-run='{f.FailedRun.Id}']")).ToContainTextAsync("failure");
        await page.EvaluateAsync("() => { window.__sameDocument = 1; }");

        var sha = await f.Repository.CommitAsync("a change the runs page shows", new Dictionary<string, string> { ["change.txt"] = Guid.NewGuid().ToString() });
        var row = page.Locator("table.runs tbody tr").Filter(new() { HasText = sha[..7] });
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(row).ToContainTextAsync("push");
        await Assertions.Expect(row).ToContainTextAsync("main");
        await Assertions.Expect(row.Locator("td.commit")).ToContainTextAsync("a change the runs page shows");
        Assert.Equal(1, await page.EvaluateAsync<int>("() => window.__sameDocument")); // drawn in place, not reloaded

        // The status filter keeps only what it names, in the address too.
        await page.GetByLabel("Status").SelectOptionAsync("completed");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("status=completed"));

        var run = await f.UntilRunAsync(sha, r => r.Status == "completed");
        await page.GotoAsync($"/runs/{run.Id}#job=build");
        await Assertions.Expect(page.Locator("button.job[data-job='build']")).ToContainTextAsync("success");
        await Assertions.Expect(page.Locator("button.job[data-job='check']")).ToContainTextAsync("failure");
        // The build job's log streamed into the log view, its group folded: the header shows, the line inside does not.
        var header = page.GetByRole(AriaRole.Button, new() { Name = "▸ Compiler details", Exact = true });
        await Assertions.Expect(header).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".log-line").Filter(new() { HasText = "build finished" })).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator(".log-line").Filter(new() { HasText = "inside the compiler group" }).CountAsync());
        await header.ClickAsync();
        await Assertions.Expect(page.Locator(".log-line.in-group").Filter(new() { HasText = "inside the compiler group" })).ToBeVisibleAsync();

        // The other job's log is one click away.
        await page.Locator("button.job[data-job='check']").ClickAsync();
        await Assertions.Expect(page.Locator(".log-line .tx").GetByText("checking", new() { Exact = true })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// A job whose log is long enough that drawing every line would stall the page: 30,000 lines in 30 folded groups
    /// (bench/dashboard opens one of 200,000; here the test stays quick), printed by a real job on the embedded worker.
    /// </summary>
    public const string LongLog = """
        name: long log
        on: workflow_dispatch
        jobs:
          long:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  awk 'BEGIN { for (i = 0; i < 30000; i++) { if (i % 1000 == 0) print "::group::part " i / 1000; print "line " i " of the long log"; if (i % 1000 == 999) print "::endgroup::" } }'
        """;

    [Fact]
    public async Task ALongLog_IsHeldWhole_DrawsOnlyTheRowsInSight_FindsText_AndOpensAtItsLineLink()
    {
        await f.Repository.CommitAsync("add the long-log workflow", new Dictionary<string, string> { [".github/workflows/long-log.yml"] = LongLog });
        using var dispatched = await f.Local.PostAsJsonAsync($"api/repos/{f.FailedRun.Repository}/dispatches",
            new DispatchBody("long-log.yml", null, new Dictionary<string, string>()), ApiJson.Default.DispatchBody);
        Assert.Equal(HttpStatusCode.Created, dispatched.StatusCode);
        var id = (await dispatched.Content.ReadFromJsonAsync(ApiJson.Default.DispatchAnswer))!.RunIds.Single();
        RunDetailView? detail = null;
        await Eventually.UntilAsync(async () => (detail = await f.Local.GetFromJsonAsync($"api/runs/{id}", ApiJson.Default.RunDetailView))!.Run.Status == "completed",
            () => $"run {id} completed (it is {detail?.Run.Status}: {detail?.Run.Reason})", TimeSpan.FromMinutes(3));
        Assert.Equal("success", detail!.Run.Conclusion);

        var page = await f.PageAsync();
        await f.SignInAsync(page, "viewer1", $"/runs/{id}#job=long");
        await page.WaitForFunctionAsync("() => window.catalyticLog?.lines.includes('line 29999 of the long log')", null, new() { Timeout = 120_000 });
        // Every line is held; only the rows in sight (and 20 above and below) are in the page.
        Assert.True(await page.EvaluateAsync<int>("() => window.catalyticLog.lines.length") > 30_000);
        Assert.InRange(await page.Locator(".log-line").CountAsync(), 1, 150);

        // The search covers the whole log and brings its match into sight, the folded group opened.
        await page.GetByLabel("Search the log").FillAsync("line 23456 of");
        await Assertions.Expect(page.Locator(".log-tools .count")).ToHaveTextAsync("1 of 1");
        var current = page.Locator(".log-line.current");
        await Assertions.Expect(current).ToContainTextAsync("line 23456 of the long log");
        Assert.InRange(await page.Locator(".log-line").CountAsync(), 1, 150);

        // The match's line link keeps the job; opened afresh, the page goes to that line once it has arrived.
        var link = await current.Locator("a.ln").GetAttributeAsync("href");
        Assert.Matches(@"^#job=long&L\d+$", link);
        await page.GotoAsync("/runs");
        await page.GotoAsync($"/runs/{id}{link}");
        await Assertions.Expect(page.Locator(".log-line.current")).ToContainTextAsync("line 23456 of the long log", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator(".log-line.current")).ToBeInViewportAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task RunsPage_PagesByKeyset_ShowingOnlyTheRunsOlderThanTheOneNamed()
    {
        var page = await f.PageAsync();
        await f.SignInAsync(page, "viewer1", $"/runs?before={f.FailedRun.Id + 1}");
        await Assertions.Expect(page.Locator($"tr[data-run='{f.FailedRun.Id}']")).ToBeVisibleAsync();
        var shown = await page.Locator("tr[data-run]").EvaluateAllAsync<long[]>("rs => rs.map(r => Number(r.dataset.run))");
        Assert.All(shown, id => Assert.True(id <= f.FailedRun.Id, $"run {id} is newer than {f.FailedRun.Id}"));
        // Fewer than a page: no older page to link to; the newest runs are one link away.
        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "Older runs →" }).CountAsync());
        await page.GetByRole(AriaRole.Link, new() { Name = "← Newest runs" }).ClickAsync();
        await Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("before="));
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "← Newest runs" })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task RerunFailed_OfAFailingJob_StartsANewAttempt()
    {
        var sha = await f.Repository.CommitAsync("a run to re-run", new Dictionary<string, string> { ["rerun.txt"] = Guid.NewGuid().ToString() });
        var run = await f.UntilRunAsync(sha, r => r.Status == "completed");
        var page = await f.PageAsync();
        await f.SignInAsync(page, "dev1", $"/runs/{run.Id}");
        await page.GetByRole(AriaRole.Button, new() { Name = "↻ Re-run failed jobs" }).ClickAsync();
        await Assertions.Expect(page.Locator(".action-status")).ToHaveTextAsync("Re-run failed jobs: done.");

        var after = await f.UntilRunAsync(sha, r => r.Attempt == 2);
        Assert.Equal(run.Id, after.Id);
        await Assertions.Expect(page.Locator("#run-head")).ToContainTextAsync("attempt 2");
        // Only the failed job ran again: build kept its first attempt, check has a new one.
        var detail = (await f.Local.GetFromJsonAsync($"api/runs/{run.Id}", ApiJson.Default.RunDetailView))!;
        Assert.Equal(2, detail.Jobs.Single(j => j.JobId == "check").RunAttempt);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Viewer_SeesNoRunButtons_ButSeesTheWorkers()
    {
        var page = await f.PageAsync();
        await f.SignInAsync(page, "viewer1", $"/runs/{f.FailedRun.Id}");
        await Assertions.Expect(page.Locator("button.job[data-job='check']")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("#rerun, #rerun-failed, #cancel").CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Re-run" }).CountAsync());

        await page.GetByRole(AriaRole.Link, new() { Name = "Workers" }).ClickAsync();
        var embedded = page.Locator("tbody tr").Filter(new() { HasText = "embedded" });
        await Assertions.Expect(embedded).ToContainTextAsync("self-hosted");
        await page.Context.CloseAsync();
    }
}
