using Catalytic.Testing.Waiting;

namespace Catalytic.Pipelines.Tests.Support;

/// <summary>Waiting for a condition with a generous deadline (never a fixed sleep before an assertion).</summary>
public static class Wait
{
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? deadline = null) =>
        Eventually.UntilAsync(condition, what, deadline);
}
