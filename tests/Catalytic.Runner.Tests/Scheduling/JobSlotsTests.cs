using Catalytic.Runner.Scheduling;

namespace Catalytic.Runner.Tests.Scheduling;

public sealed class JobSlotsTests
{
    [Fact]
    public async Task Release_SeveralWaiting_HighestLevelFirstThenFirstCome()
    {
        var slots = new JobSlots(1);
        await slots.WaitAsync(1);
        var order = new List<string>();
        var waiting = new[] { ("low-first", 1), ("high", 5), ("low-second", 1), ("mid", 3) }
            .Select(w => slots.WaitAsync(w.Item2).ContinueWith(_ => { lock (order) { order.Add(w.Item1); } slots.Release(); }, TaskScheduler.Default))
            .ToArray();
        Assert.All(waiting, t => Assert.False(t.IsCompleted));

        slots.Release();
        await Task.WhenAll(waiting);
        Assert.Equal(["high", "mid", "low-first", "low-second"], order);
    }

    [Fact]
    public async Task Hold_JobsReadyTogether_StartByLevelNotArrival()
    {
        var slots = new JobSlots(2);
        Task leaf1, deep, leaf2, deeper;
        using (slots.Hold())
        {
            leaf1 = slots.WaitAsync(1);
            deep = slots.WaitAsync(4);
            leaf2 = slots.WaitAsync(1);
            deeper = slots.WaitAsync(6);
            Assert.False(leaf1.IsCompleted || deep.IsCompleted, "a held gate gives no slot");
        }

        await Catalytic.Testing.Waiting.Eventually.CompletesAsync(Task.WhenAll(deep, deeper), "the deeper jobs got the two freed slots");
        Assert.False(leaf1.IsCompleted);
        Assert.False(leaf2.IsCompleted);
        slots.Release();
        await Catalytic.Testing.Waiting.Eventually.CompletesAsync(leaf1, "the first leaf got the released slot");
        Assert.False(leaf2.IsCompleted);
    }

    [Fact]
    public void WaitAsync_FreeSlots_AreTakenAtOnceUpToTheLimit()
    {
        var slots = new JobSlots(2);
        Assert.True(slots.WaitAsync(1).IsCompleted);
        Assert.True(slots.WaitAsync(1).IsCompleted);
        Assert.False(slots.WaitAsync(9).IsCompleted);
    }
}
