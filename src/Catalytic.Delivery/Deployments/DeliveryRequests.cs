using System.Collections.Immutable;

namespace Catalytic.Delivery.Deployments;

/// <summary>A request to ship an artifact to an environment.</summary>
/// <param name="Artifact">Folder copied into the release store.</param>
/// <param name="Version">Release version; defaults to the artifact's content hash.</param>
/// <param name="Strategy">rolling | blue-green | canary; defaults to the environment's.</param>
/// <param name="By">Who asked (recorded).</param>
public sealed record DeployRequest(string App, string Environment, string Artifact, string? Version = null, string? Strategy = null, string? By = null);

/// <summary>Why a request was refused: the field at fault and what is wrong. <see cref="Kind"/> maps to an HTTP status.</summary>
public sealed record DeliveryError(DeliveryErrorKind Kind, string Field, string Message, ImmutableArray<string> Details = default);

/// <summary>Classes of refusal.</summary>
public enum DeliveryErrorKind
{
    /// <summary>Bad input (400).</summary>
    Invalid,

    /// <summary>No such app, environment, release or deployment (404).</summary>
    NotFound,

    /// <summary>Not possible in the current state, e.g. a deployment already running (409).</summary>
    Conflict,
}

/// <summary>A value or the reason there is none.</summary>
public sealed record DeliveryResult<T>(T? Value, DeliveryError? Error) where T : class
{
    /// <summary>Success.</summary>
    public static implicit operator DeliveryResult<T>(T value) => new(value, null);

    /// <summary>Failure.</summary>
    public static implicit operator DeliveryResult<T>(DeliveryError error) => new(null, error);
}
