using System.Collections.Immutable;

namespace Catalytic.Delivery.Config;

/// <summary>One problem in catalytic.yml, with the place it was found.</summary>
public sealed record ConfigError(string File, int Line, int Column, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}

/// <summary>The outcome of reading catalytic.yml: a config, or every error found (never both).</summary>
public sealed record ConfigResult(DeliveryConfig? Config, ImmutableArray<ConfigError> Errors)
{
    /// <summary>True when the file was valid.</summary>
    public bool Ok => Config is not null && Errors.IsEmpty;
}
