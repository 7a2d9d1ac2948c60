using Catalytic.Identity.Roles;

namespace Catalytic.Identity.Accounts;

/// <summary>A person's account.</summary>
/// <param name="Name">Lowercase, unique (<see cref="AccountNames.NormalizeUser"/>).</param>
/// <param name="PasswordHash">The <see cref="Passwords.Passwords"/> hash; never leaves the server.</param>
public sealed record User(string Name, Role Role, string PasswordHash, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
