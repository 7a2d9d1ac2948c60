namespace Catalytic.Pipelines.Tests.Support;

/// <summary>Waiting for a condition with a generous deadline (never a fixed sleep before an assertion).</summary>
public static class Wait
{
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail(what + " never happened");
            }

            await Task.Delay(20);
        }
    }
}
