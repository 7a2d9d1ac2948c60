using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Deployments.State;

namespace Catalytic.Delivery.Tests.Deployments.State;

/// <summary>
/// Who runs in an environment, decided as functions of a snapshot and an event: no processes, no clock, no store.
/// The end-to-end tests (StrategyTests, SupersedeTests) show the same decisions carried out.
/// </summary>
public sealed class EnvironmentDecisionsTests : IDisposable
{
    private static readonly EnvironmentConfig Config = new() { Name = "production", Listen = "127.0.0.1:1", Run = "true" };
    private readonly List<IDisposable> _handles = [];

    public void Dispose()
    {
        foreach (var h in _handles)
        {
            h.Dispose();
        }
    }

    private static EnvironmentState Empty => EnvironmentState.Empty("web", "production");

    private RunningDeployment Running(string id)
    {
        var signals = new DeploymentSignals(CancellationToken.None);
        _handles.Add(signals);
        return new RunningDeployment(id, signals);
    }

    private QueuedDeployment Queued(string id, string version)
    {
        var dropped = new CancellationTokenSource();
        _handles.Add(dropped);
        return new QueuedDeployment(id, version, dropped);
    }

    [Fact]
    public void Arrive_InAnIdleEnvironment_QueuesAndSupersedesNothing()
    {
        var q = Queued("d-2", "v2");

        var arrival = Assert.IsType<Arrival.Queued>(EnvironmentDecisions.Arrive(Empty, q));

        Assert.Same(q, arrival.Next.Queued);
        Assert.Null(arrival.Superseded);
        Assert.Null(arrival.Dropped);
    }

    [Fact]
    public void Arrive_WhileOneRunsAndAnotherWaits_SupersedesTheRunningOne_AndDropsTheWaitingOne()
    {
        var running = Running("d-1");
        var waiting = Queued("d-2", "v2");
        var newer = Queued("d-3", "v3");
        var s = Empty with { Active = running, Queued = waiting };

        var arrival = Assert.IsType<Arrival.Queued>(EnvironmentDecisions.Arrive(s, newer));

        Assert.Same(running, arrival.Superseded);
        Assert.Same(waiting, arrival.Dropped);
        Assert.Equal("d-3", arrival.Next.Active!.SupersededBy);
        Assert.Same(newer, arrival.Next.Queued);
    }

    [Fact]
    public void Arrive_AfterAnEarlierSupersede_KeepsTheFirstSupersedersId()
    {
        // The running deployment hands its traffic back once, to the release that was live; who asked first is recorded.
        var s = Empty with { Active = Running("d-1") with { SupersededBy = "d-2" }, Queued = Queued("d-2", "v2") };

        var arrival = Assert.IsType<Arrival.Queued>(EnvironmentDecisions.Arrive(s, Queued("d-3", "v3")));

        Assert.Equal("d-2", arrival.Next.Active!.SupersededBy);
        Assert.Equal("d-2", arrival.Dropped!.Id);
    }

    [Fact]
    public void Arrive_WhileTheRunningOneCommits_WaitsForItInsteadOfSupersedingIt()
    {
        var committing = Running("d-1") with { Committing = true };

        var arrival = EnvironmentDecisions.Arrive(Empty with { Active = committing }, Queued("d-2", "v2"));

        Assert.Same(committing, Assert.IsType<Arrival.AfterCommit>(arrival).Committing);
    }

    [Fact]
    public void TakeTurn_GoesWhenFree_WaitsWhileAnotherRuns_AndEndsWhenReplaced()
    {
        var q = Queued("d-2", "v2");
        var mine = Running("d-2");
        var other = Running("d-1");

        var go = Assert.IsType<Turn.Go>(EnvironmentDecisions.TakeTurn(Empty with { Queued = q }, "d-2", mine, Config));
        Assert.Same(mine, go.Next.Active);
        Assert.Null(go.Next.Queued);
        Assert.Same(Config, go.Next.Config);

        Assert.Same(other, Assert.IsType<Turn.WaitFor>(EnvironmentDecisions.TakeTurn(Empty with { Queued = q, Active = other }, "d-2", mine, Config)).Other);
        Assert.IsType<Turn.Dropped>(EnvironmentDecisions.TakeTurn(Empty with { Queued = Queued("d-3", "v3") }, "d-2", mine, Config));
        Assert.IsType<Turn.Dropped>(EnvironmentDecisions.TakeTurn(Empty, "d-2", mine, Config));
    }

    [Fact]
    public void Gate_AcceptsOneDecision_ForTheDeploymentWaitingThere()
    {
        var s = EnvironmentDecisions.OpenGate(Empty with { Active = Running("d-1") }, "d-1");

        var wrong = EnvironmentDecisions.Decide(s, "d-9");
        Assert.Equal(("id", DeliveryErrorKind.NotFound), (wrong.Error!.Field, wrong.Error.Kind));
        Assert.Same(s, wrong.Next);

        var first = EnvironmentDecisions.Decide(s, null);
        Assert.Null(first.Error);
        Assert.Equal("d-1", first.Waiting!.Id);
        Assert.False(first.Next.Active!.GateOpen);

        var second = EnvironmentDecisions.Decide(first.Next, "d-1");
        Assert.Equal("id", second.Error!.Field); // the gate closed with the first decision
    }

    [Fact]
    public void Gate_NotYetOpened_TakesNoDecision()
    {
        // The run records "waiting for approval" before it opens the gate: nobody decides on a state nobody could see.
        var call = EnvironmentDecisions.Decide(Empty with { Active = Running("d-1") }, null);

        Assert.Equal("environment", call.Error!.Field);
        Assert.Contains("no deployment of web to production is waiting for approval", call.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Commit_OfAnUnsupersededRun_MakesItUnsupersedable_OfASupersededOne_NamesTheNewer()
    {
        var (committed, newer) = EnvironmentDecisions.Commit(Empty with { Active = Running("d-1") }, "d-1");
        Assert.Null(newer);
        Assert.True(committed.Active!.Committing);
        Assert.IsType<Arrival.AfterCommit>(EnvironmentDecisions.Arrive(committed, Queued("d-2", "v2")));

        var (unchanged, by) = EnvironmentDecisions.Commit(Empty with { Active = Running("d-1") with { SupersededBy = "d-2" } }, "d-1");
        Assert.Equal("d-2", by);
        Assert.False(unchanged.Active!.Committing);
    }

    [Fact]
    public void WhyInterrupted_HonoursShutdownThenSupersedeThenRollbackThenLease()
    {
        var s = Empty with { Active = Running("d-1") with { SupersededBy = "d-2", RollbackReason = "rollback requested by dave" } };

        Assert.IsType<Interruption.Shutdown>(EnvironmentDecisions.WhyInterrupted(s, "d-1", shuttingDown: true, leaseLost: true));
        Assert.Equal("d-2", Assert.IsType<Interruption.Superseded>(EnvironmentDecisions.WhyInterrupted(s, "d-1", false, true)).By);
        var asked = s with { Active = s.Active! with { SupersededBy = null } };
        Assert.Equal("rollback requested by dave", Assert.IsType<Interruption.RollbackRequested>(EnvironmentDecisions.WhyInterrupted(asked, "d-1", false, true)).Reason);
        Assert.IsType<Interruption.LeaseLost>(EnvironmentDecisions.WhyInterrupted(Empty with { Active = Running("d-1") }, "d-1", false, true));
        Assert.IsType<Interruption.Unexplained>(EnvironmentDecisions.WhyInterrupted(Empty, "d-1", false, false));
    }

    [Fact]
    public void Rollback_DropsTheWaitingDeployment_InterruptsTheRunningOne_OrTakesAnIdleEnvironment()
    {
        var waiting = Queued("d-2", "v2");
        var (afterDrop, dropped) = EnvironmentDecisions.DropQueued(Empty with { Queued = waiting, Active = Running("d-1") });
        Assert.Same(waiting, dropped);
        Assert.Null(afterDrop.Queued);

        var (asked, interrupted) = EnvironmentDecisions.RequestRollback(afterDrop, "d-1", "rollback requested by dave");
        Assert.Equal("d-1", interrupted!.Id);
        Assert.Equal("rollback requested by dave", asked.Active!.RollbackReason);
        Assert.Null(EnvironmentDecisions.RequestRollback(afterDrop, "d-0", "x").Interrupted); // it ended meanwhile

        var rollback = Running("d-9");
        Assert.Same(rollback, EnvironmentDecisions.StartRollback(Empty, rollback, Config)!.Active);
        Assert.Null(EnvironmentDecisions.StartRollback(afterDrop, rollback, Config)); // another deployment just started
    }

    [Fact]
    public void RollbackTarget_IsAskedThenWarmThenPrevious_NeverTheLiveOne()
    {
        using var scaleDown = new CancellationTokenSource();
        var warm = Empty with { Warm = new WarmRelease("v2", [], scaleDown) };

        Assert.Equal("v1", EnvironmentDecisions.RollbackTarget(warm, "v3", "v0", "v1").Target);
        Assert.Equal("v2", EnvironmentDecisions.RollbackTarget(warm, "v3", "v0", null).Target);
        Assert.Equal("v0", EnvironmentDecisions.RollbackTarget(Empty, "v3", "v0", null).Target);
        Assert.Equal(("to", DeliveryErrorKind.NotFound), (EnvironmentDecisions.RollbackTarget(Empty, "v3", null, null).Error!.Field, EnvironmentDecisions.RollbackTarget(Empty, "v3", null, null).Error!.Kind));
        Assert.Equal(DeliveryErrorKind.Conflict, EnvironmentDecisions.RollbackTarget(Empty, "v3", null, "v3").Error!.Kind);
    }

    [Fact]
    public void WarmRelease_ExpiresOnlyIfStillTheWarmOne_AndIsTakenOnlyForItsVersion()
    {
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var s = EnvironmentDecisions.KeepWarm(Empty, new WarmRelease("v1", [], first));

        Assert.False(EnvironmentDecisions.ExpireWarm(s, second).Expired); // a newer warm release's delay is another delay
        Assert.Null(EnvironmentDecisions.TakeWarm(s, "v2").Taken);
        var (taken, warm) = EnvironmentDecisions.TakeWarm(s, "v1");
        Assert.Equal("v1", warm!.Version);
        Assert.Null(taken.Warm);
        var (expired, yes) = EnvironmentDecisions.ExpireWarm(s, first);
        Assert.True(yes);
        Assert.Null(expired.Warm);
    }

    [Fact]
    public void Finish_FreesTheEnvironmentOnlyForTheRunThatHeldIt()
    {
        var s = Empty with { Active = Running("d-1") };

        Assert.Same(s, EnvironmentDecisions.Finish(s, "d-0"));
        Assert.Null(EnvironmentDecisions.Finish(s, "d-1").Active);
    }
}
