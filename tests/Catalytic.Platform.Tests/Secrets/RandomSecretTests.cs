using Catalytic.Platform.Secrets;

namespace Catalytic.Platform.Tests.Secrets;

/// <summary>The secret scheme tokens, sessions and job credentials share: 256 random bits, base64url, a SHA-256 stored.</summary>
public sealed class RandomSecretTests
{
    [Fact]
    public void New_Is43CharactersOfBase64Url_AndNeverRepeats()
    {
        var a = RandomSecret.New();
        var b = RandomSecret.New();
        Assert.Equal(RandomSecret.Length, a.Length);
        Assert.True(RandomSecret.IsWellFormed(a));
        Assert.Equal(32, Convert.FromBase64String(a.Replace('-', '+').Replace('_', '/') + "=").Length);
        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 42
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 44
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")] // padding
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")] // base64, not base64url
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAé")]
    public void IsWellFormed_AnythingElse_IsNot(string secret) => Assert.False(RandomSecret.IsWellFormed(secret));

    [Fact]
    public void Hash_IsTheLowerHexSha256OfTheSecret() =>
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", RandomSecret.Hash("abc"));
}
