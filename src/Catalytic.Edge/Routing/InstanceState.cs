namespace Catalytic.Edge.Routing;

/// <summary>
/// Live state of one backend address, shared by every route table that names it so that load counts and passive
/// failure marks survive a table swap.
/// </summary>
internal sealed class InstanceState(Uri address)
{
    private int _inFlight;
    private long _unavailableUntil = long.MinValue;

    public Uri Address { get; } = address;

    /// <summary>The destination prefix handed to the forwarder.</summary>
    public string Prefix { get; } = address.AbsoluteUri;

    public int InFlight => Volatile.Read(ref _inFlight);

    public void Enter() => Interlocked.Increment(ref _inFlight);

    public void Leave() => Interlocked.Decrement(ref _inFlight);

    /// <summary>False for a while after the instance refused a connection (a passive health mark).</summary>
    public bool IsAvailable(long nowTimestamp) => Volatile.Read(ref _unavailableUntil) <= nowTimestamp;

    public void MarkUnavailableUntil(long timestamp) => Volatile.Write(ref _unavailableUntil, timestamp);
}
