using System.Net.Http.Json;
using Catalytic.Contracts.Json;
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
