namespace Catalytic.Identity;

/// <summary>Why an access operation was refused; the server maps each kind to an HTTP status.</summary>
public enum AccessErrorKind
{
    /// <summary>Malformed or unacceptable input (400).</summary>
    Invalid,

    /// <summary>No such user, token or session (404).</summary>
    NotFound,

    /// <summary>The name is taken (409).</summary>
    Conflict,

    /// <summary>The caller may not do this (403).</summary>
    Forbidden,
}

/// <summary>A refusal naming the field at fault.</summary>
public sealed record AccessError(AccessErrorKind Kind, string Field, string Message);

/// <summary>A value or a refusal.</summary>
public readonly record struct AccessResult<T>(T? Value, AccessError? Error)
{
    public static implicit operator AccessResult<T>(T value) => new(value, null);

    public static implicit operator AccessResult<T>(AccessError error) => new(default, error);
}
