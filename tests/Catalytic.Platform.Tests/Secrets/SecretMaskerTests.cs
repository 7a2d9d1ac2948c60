using System.Text;
using System.Text.Json;
using Catalytic.Platform.Secrets;

namespace Catalytic.Platform.Tests.Secrets;

/// <summary>The one masking rule on text: what is registered for a secret, from which length, how matches combine.</summary>
public sealed class SecretMaskerTests
{
    [Fact]
    public void Apply_TextContainsSecret_ReplacesEveryOccurrence()
    {
        var m = new SecretMasker();
        m.Add("hunter2");
        Assert.Equal("pw=*** and *** again", m.Apply("pw=hunter2 and hunter2 again"));
    }

    [Fact]
    public void Apply_OverlappingSecrets_MasksTheUnion()
    {
        var m = new SecretMasker();
        m.Add("abcd");
        m.Add("cdef");
        m.Add("bcd");
        Assert.Equal("x***y", m.Apply("xabcdefy"));
        Assert.Equal("x***x", m.Apply("xbcdx"));
    }

    [Fact]
    public void Apply_SecretContainingAnother_IsMaskedWholeWhateverTheOrderOfAdding()
    {
        var m = new SecretMasker(["token", "my-token-value"]);
        Assert.Equal("a *** b ***", m.Apply("a my-token-value b token"));
    }

    [Fact]
    public void Apply_AdjacentOccurrences_BecomeOneMask()
    {
        var m = new SecretMasker(["s3cr3t"]);
        Assert.Equal("[***]", m.Apply("[s3cr3ts3cr3t]"));
    }

    [Fact]
    public void Apply_PatternSharingPrefixWithText_StillFindsLaterMatch()
    {
        var m = new SecretMasker();
        m.Add("aab");
        Assert.Equal("a***", m.Apply("aaab"));
    }

    [Fact]
    public void Add_MultiLineSecret_MasksEachLineOnItsOwn()
    {
        var m = new SecretMasker();
        m.Add("line-one\nline-two");
        Assert.Equal("***", m.Apply("line-two"));
        Assert.Equal("see ***", m.Apply("see line-one"));
        Assert.Equal("***\n***", m.Apply("line-one\nline-two"));
    }

    [Fact]
    public void Add_SecretWithSurroundingBlanksOrCrLfLines_IsMaskedTrimmed()
    {
        var m = new SecretMasker(["  padded-secret \n", "first\r\n  second-line  "]);
        Assert.Equal("[***]", m.Apply("[padded-secret]"));
        Assert.Equal("*** ***", m.Apply("first second-line"));
    }

    [Fact]
    public void Add_SecretWithQuote_MasksItsJsonEscapedForm()
    {
        var m = new SecretMasker();
        m.Add("p\"w");
        Assert.Equal("{\"a\":\"***\"}", m.Apply("{\"a\":\"p\\\"w\"}"));
    }

    [Fact]
    public void Add_Secret_MasksTheFormsSystemTextJsonWrites()
    {
        // The run report is serialised first and masked after: the secret appears as the default encoder escapes it.
        const string secret = "p+w<d>é\"";
        var m = new SecretMasker([secret]);
        var json = JsonSerializer.Serialize(new Dictionary<string, string> { ["v"] = secret, ["multi"] = "x\n" + secret });
        Assert.Equal("{\"v\":\"***\",\"multi\":\"x\\n***\"}", m.Apply(json));
    }

    [Fact]
    public void Add_Secret_MasksItsUriEscapedForm()
    {
        var m = new SecretMasker(["p@ss w/rd"]);
        Assert.Equal("https://user:***@example.com/", m.Apply("https://user:" + Uri.EscapeDataString("p@ss w/rd") + "@example.com/"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("u")]
    [InlineData("us")]
    [InlineData("user:")]
    [InlineData("someone:")]
    public void Add_Secret_MasksItsBase64FormWhateverPrecedesIt(string prefix)
    {
        // `Authorization: Basic base64(user:password)`: the password's digits depend on how many bytes come before it.
        var m = new SecretMasker(["correct-horse-battery"]);
        var header = "Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(prefix + "correct-horse-battery" + " trailing"));
        var masked = m.Apply(header);
        Assert.Contains("***", masked, StringComparison.Ordinal);
        // At most the digits shared with the neighbouring bytes are left, far too few to recover the password.
        var left = masked["Authorization: Basic ".Length..].Replace("***", "", StringComparison.Ordinal).Length;
        var encodedNeighbours = (prefix.Length + " trailing".Length) * 4 / 3 + 8;
        Assert.True(left <= encodedNeighbours, $"{masked} keeps {left} digits");
    }

    [Fact]
    public void Add_Secret_MasksItsStandardAndUrlSafeBase64Forms()
    {
        // "???>>>???" encodes to "Pz8/Pj4+Pz8/": both alphabets' special digits.
        var m = new SecretMasker(["???>>>???"]);
        Assert.Equal("token=***", m.Apply("token=Pz8/Pj4+Pz8/"));
        Assert.Equal("token=***", m.Apply("token=Pz8_Pj4-Pz8_"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("1")]
    [InlineData("ab")]
    [InlineData(" ab \n")]
    public void Add_ValueShorterThanThreeCharacters_IsIgnored(string value)
    {
        var m = new SecretMasker();
        m.Add(value);
        Assert.False(SecretMasker.IsMaskable(value));
        Assert.Equal(0, m.Count);
        Assert.Equal("a b ab 1", m.Apply("a b ab 1"));
    }

    [Fact]
    public void Add_MultiLineSecretWithShortLines_MasksOnlyTheLongEnoughLines()
    {
        // The last line of a PEM body is often "==" or a few digits: masking it would hide every "==" of a log.
        var m = new SecretMasker(["MIIEvQIBADANBg\n==\n-----END KEY-----"]);
        Assert.Equal("a == b", m.Apply("a == b"));
        Assert.Equal("***", m.Apply("MIIEvQIBADANBg"));
        Assert.Equal("***", m.Apply("-----END KEY-----"));
    }

    [Fact]
    public void Forms_NeverHoldALineBreakNorAShortValue()
    {
        var forms = SecretMasker.Forms("abc\ndefgh\r\nij").ToList();
        Assert.All(forms, f => Assert.True(f.Length >= SecretMasker.MinimumLength && !f.Contains('\n') && !f.Contains('\r'), f));
        Assert.Contains("abc", forms);
        Assert.Contains("defgh", forms);
        Assert.DoesNotContain("ij", forms);
        Assert.Contains("abc\\ndefgh\\r\\nij", forms);
    }

    [Fact]
    public void Add_WhileAnotherThreadMasks_AppliesFromTheNextCall()
    {
        var m = new SecretMasker(["first-secret"]);
        var results = new string[2000];
        Parallel.For(0, results.Length, i =>
        {
            if (i == 1000)
            {
                m.Add("second-secret");
            }

            results[i] = m.Apply("first-secret second-secret");
        });

        Assert.All(results, r => Assert.StartsWith("*** ", r, StringComparison.Ordinal));
        Assert.Equal("*** ***", m.Apply("first-secret second-secret"));
    }

    [Fact]
    public void Apply_ManySecretsLongText_MasksOnlyTheSecret()
    {
        // Speed is measured in bench/masking; this checks the many-secret path is right.
        var m = new SecretMasker();
        for (var i = 0; i < 500; i++)
        {
            m.Add($"secret-value-{i:D5}-xyz");
        }

        var text = string.Concat(Enumerable.Repeat("some ordinary log output with no secret in it ", 200)) + "secret-value-00042-xyz";
        var result = m.Apply(text);
        Assert.Equal(text[..^"secret-value-00042-xyz".Length] + "***", result);
    }

    [Fact]
    public void Apply_StaticWithSecrets_UsesTheSameRule()
    {
        Assert.Equal("x *** ab", SecretMasker.Apply("x longer ab", ["longer", "ab", null]));
    }
}
