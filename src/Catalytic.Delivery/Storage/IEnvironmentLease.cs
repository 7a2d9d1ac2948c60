namespace Catalytic.Delivery.Storage;

/// <summary>
/// This node's exclusive hold on one (app, environment), taken from the store before a deployment runs and let go when
/// it ends: the one guarantee that two servers sharing a store never deploy the same environment at once. The store
/// frees it when its holder's connection ends (a crash, a kill, a lost network), so a dead node never keeps it.
/// </summary>
public interface IEnvironmentLease : IAsyncDisposable
{
    /// <summary>
    /// Cancelled when the hold is lost while the holder still runs (its connection to the store ended): another node
    /// may take the environment, so the holder stops its deployment.
    /// </summary>
    CancellationToken Lost { get; }
}
