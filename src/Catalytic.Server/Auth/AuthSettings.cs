namespace Catalytic.Server.Auth;

/// <summary>What `serve` decides about access that the configuration does not.</summary>
/// <param name="PublicMetrics">Whether /metrics answers without credentials (the default: Prometheus scrapes it); false makes it viewer or above.</param>
public sealed record AuthSettings(bool PublicMetrics = true);
