namespace Catalytic.Identity.Throttling;

/// <summary>
/// When a login may be tried again, from the failures already recorded (the audit log is the record, so every node of a
/// PostgreSQL installation and a restarted server see the same count). A pure function of the failures and the clock.
/// </summary>
public static class LoginThrottle
{
    /// <summary>
    /// How long to wait before the next attempt, or null when one may be made now: with <paramref name="limit"/> or
    /// more <paramref name="failures"/> (ascending) within <paramref name="window"/> of <paramref name="now"/>, until
    /// enough of them have left the window that fewer than <paramref name="limit"/> remain. Never less than a second.
    /// </summary>
    public static TimeSpan? RetryAfter(IReadOnlyList<DateTimeOffset> failures, int limit, TimeSpan window, DateTimeOffset now)
    {
        var recent = failures.Where(f => f > now - window).Order().ToList();
        if (recent.Count < limit)
        {
            return null;
        }

        // The (count - limit + 1)-th oldest failure must leave the window for the count to drop below the limit.
        var wait = recent[recent.Count - limit] + window - now;
        return wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;
    }
}
