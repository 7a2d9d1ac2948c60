namespace Catalytic.Server.Hosting;

/// <summary>How `catalytic serve` runs.</summary>
public sealed record ServerOptions
{
    /// <summary>The state folder (default .catalytic): database, releases, logs, server.json, token.</summary>
    public string StateDirectory { get; init; } = ".catalytic";

    /// <summary>The delivery configuration (default catalytic.yml).</summary>
    public string ConfigPath { get; init; } = "catalytic.yml";

    /// <summary>API port on 127.0.0.1; 0 picks a free one (written to server.json).</summary>
    public int ApiPort { get; init; }

    /// <summary>PostgreSQL connection string; SQLite under the state folder when null.</summary>
    public string? Postgres { get; init; }

    /// <summary>Whether the repository holding the configuration is watched and its pushes, tags and schedules start runs.</summary>
    public bool Triggers { get; init; } = true;

    /// <summary>Whether /metrics answers without credentials (default); false requires a viewer's (`serve --private-metrics`).</summary>
    public bool PublicMetrics { get; init; } = true;

    /// <summary>
    /// The command that starts an instance's log masking stage (the host's to say: `catalytic serve` gives its own
    /// executable's hidden verb, a test host the built CLI's); without one, instances cannot start.
    /// </summary>
    public IReadOnlyList<string>? LogMasker { get; init; }
}
