using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace Catalytic.Identity.Passwords;

/// <summary>
/// Password hashing through ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2 with HMAC-SHA512,
/// 100,000 iterations, a 128-bit salt per password; its V3 format records the parameters, so stronger ones later
/// rehash on the next login). No reflection: safe under Native AOT.
/// </summary>
public static class Passwords
{
    /// <summary>The shortest password accepted.</summary>
    public const int MinLength = 10;

    /// <summary>The longest password accepted: more is refused before any hashing (no CPU spent on hostile input).</summary>
    public const int MaxLength = 256;

    private static readonly PasswordHasher<object> Hasher = new();
    private static readonly object Nobody = new();

    /// <summary>
    /// A hash of a password nobody has, verified against when a login names no user, so an unknown name costs the
    /// same time as a wrong password and the answer's timing does not tell which names exist.
    /// </summary>
    private static readonly Lazy<string> Decoy = new(() => Hash(Generate()));

    /// <summary>Null when <paramref name="password"/> is acceptable as a new password, else what is wrong.</summary>
    public static string? Check(string? password) =>
        password is null || password.Length < MinLength ? $"a password has at least {MinLength} characters"
        : password.Length > MaxLength ? $"a password has at most {MaxLength} characters"
        : password.Any(char.IsControl) ? "a password has no control characters (a newline read by mistake, say)"
        : null;

    /// <summary>The stored form of <paramref name="password"/>.</summary>
    public static string Hash(string password) => Hasher.HashPassword(Nobody, password);

    /// <summary>Whether <paramref name="password"/> matches <paramref name="hash"/>; <paramref name="rehash"/> when the hash's parameters are outdated.</summary>
    public static bool Verify(string hash, string password, out bool rehash)
    {
        rehash = false;
        if (password.Length > MaxLength)
        {
            return false;
        }

        PasswordVerificationResult result;
        try
        {
            result = Hasher.VerifyHashedPassword(Nobody, hash, password);
        }
        catch (FormatException)
        {
            // A stored value that is not a hash this library wrote (edited by hand): no password matches it.
            return false;
        }

        rehash = result == PasswordVerificationResult.SuccessRehashNeeded;
        return result != PasswordVerificationResult.Failed;
    }

    /// <summary>Spends the time of one verification, for a login whose user does not exist.</summary>
    public static void VerifyDecoy(string password) => Verify(Decoy.Value, password.Length > MaxLength ? "" : password, out _);

    /// <summary>A random password of 24 characters from a 62-letter alphabet (about 143 bits).</summary>
    public static string Generate() =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 24);
}
