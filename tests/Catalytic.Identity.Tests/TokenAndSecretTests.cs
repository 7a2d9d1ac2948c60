using Catalytic.Identity.Tokens;

namespace Catalytic.Identity.Tests;

public sealed class TokenAndSecretTests
{
    [Theory]
    [InlineData("never", null)]
    [InlineData("1m", 1L)]
    [InlineData("90m", 90L)]
    [InlineData("12h", 12L * 60)]
    [InlineData("30d", 30L * 24 * 60)]
    [InlineData("2w", 14L * 24 * 60)]
    [InlineData("3650d", 3650L * 24 * 60)]
    public void Lifetimes_Parse(string text, long? minutes)
    {
        Assert.True(TokenLifetimes.TryParse(text, out var lifetime));
        Assert.Equal(minutes is { } m ? TimeSpan.FromMinutes(m) : null, lifetime);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("d")]
    [InlineData("0d")]
    [InlineData("-1d")]
    [InlineData("+1d")]
    [InlineData(" 30d")]
    [InlineData("30D")]
    [InlineData("1y")]
    [InlineData("3651d")]
    [InlineData("99999999w")]
    [InlineData("1.5d")]
    [InlineData("٣d")] // Arabic-Indic digit
    public void Lifetimes_OutOfRangeOrMalformed_AreRefused(string? text)
    {
        Assert.False(TokenLifetimes.TryParse(text, out var lifetime));
        Assert.Null(lifetime);
    }

    [Fact]
    public void NewToken_ParsesBackToItsId_AndOnlyItsSecretMatchesTheHash()
    {
        var (id, hash, token) = Secrets.NewToken();
        Assert.Matches("^ctk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", token);
        Assert.True(Secrets.TryParseToken(token, out var parsedId, out var secret));
        Assert.Equal(id, parsedId);
        Assert.True(Secrets.Matches(secret, hash));
        Assert.False(Secrets.Matches(secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A'), hash));
        Assert.DoesNotContain(secret, hash, StringComparison.Ordinal);
        Assert.NotEqual(token, Secrets.NewToken().Token);
    }

    [Fact]
    public void MalformedTokensAndCookies_AreNotParsed()
    {
        var (_, _, token) = Secrets.NewToken();
        var (_, _, cookie) = Secrets.NewSession();
        Assert.True(Secrets.TryParseSession(cookie, out _, out _));
        string?[] badTokens =
        [
            null, "", "ctk_", token[..^1], token + "A", "xtk_" + token[4..], token.Replace('_', '-'), token.ToUpperInvariant(),
            token[..5] + "G" + token[6..], token[..^1] + "=", token[..^1] + "é", token[..^1] + "\n", new string('A', 100_000),
        ];
        foreach (var bad in badTokens)
        {
            Assert.False(Secrets.TryParseToken(bad, out var id, out var secret), $"token '{bad?[..Math.Min(bad.Length, 60)]}'");
            Assert.Equal(("", ""), (id, secret));
        }

        foreach (var bad in new string?[] { null, "", cookie[..^1], cookie + "A", cookie.Replace('.', '_'), cookie[..^1] + "\u0000", "x" + cookie[1..].Replace('.', ';') })
        {
            Assert.False(Secrets.TryParseSession(bad, out _, out _), $"cookie '{bad}'");
        }
    }

    [Fact]
    public void CsrfToken_IsTheSessionsOwn_AndComparedWhole()
    {
        var (_, _, a) = Secrets.NewSession();
        var (_, _, b) = Secrets.NewSession();
        Assert.True(Secrets.TryParseSession(a, out _, out var secretA));
        Assert.True(Secrets.TryParseSession(b, out _, out var secretB));
        var csrf = Secrets.CsrfToken(secretA);

        Assert.Equal(csrf, Secrets.CsrfToken(secretA));
        Assert.NotEqual(csrf, Secrets.CsrfToken(secretB));
        Assert.DoesNotContain(secretA, csrf, StringComparison.Ordinal);
        Assert.True(Secrets.FixedTimeEquals(csrf, Secrets.CsrfToken(secretA)));
        Assert.False(Secrets.FixedTimeEquals(csrf, csrf[..^1]));
        Assert.False(Secrets.FixedTimeEquals(csrf, null));
        Assert.False(Secrets.FixedTimeEquals(null, null));
    }
}
