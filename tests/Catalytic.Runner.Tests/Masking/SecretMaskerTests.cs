using Catalytic.Runner.Masking;

namespace Catalytic.Runner.Tests.Masking;

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
        m.Add("bc");
        Assert.Equal("x***y", m.Apply("xabcdefy"));
        Assert.Equal("x***x", m.Apply("xbcx"));
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
    }

    [Fact]
    public void Add_SecretWithQuote_MasksItsJsonEscapedForm()
    {
        var m = new SecretMasker();
        m.Add("p\"w");
        Assert.Equal("{\"a\":\"***\"}", m.Apply("{\"a\":\"p\\\"w\"}"));
    }

    [Fact]
    public void Add_BlankValue_IsIgnored()
    {
        var m = new SecretMasker();
        m.Add("  ");
        m.Add("");
        Assert.Equal(0, m.Count);
        Assert.Equal("a b", m.Apply("a b"));
    }

    [Fact]
    public void Apply_ManySecretsLongText_IsFast()
    {
        var m = new SecretMasker();
        for (var i = 0; i < 500; i++)
        {
            m.Add($"secret-value-{i:D5}-xyz");
        }

        var text = string.Concat(Enumerable.Repeat("some ordinary log output with no secret in it ", 200)) + "secret-value-00042-xyz";
        var sw = System.Diagnostics.Stopwatch.StartNew();
        string result = "";
        for (var i = 0; i < 200; i++)
        {
            result = m.Apply(text);
        }

        Assert.EndsWith("***", result, StringComparison.Ordinal);
        Assert.True(sw.ElapsedMilliseconds < 2000, $"masking took {sw.ElapsedMilliseconds} ms");
    }
}
