using Catalytic.Pipelines.Queue;

namespace Catalytic.Pipelines.Tests.Queue;

/// <summary>A job's credential names its lease through its hash, and nothing misshapen gets as far as hashing.</summary>
public sealed class JobTokensTests
{
    [Fact]
    public void New_TheTokenGivesBackItsLeaseId_AndTheLeaseIdIsNotTheSecret()
    {
        var (token, lease) = JobTokens.New();
        Assert.StartsWith(JobTokens.Prefix, token);
        Assert.Equal(4 + 43, token.Length);
        Assert.Equal(32, lease.Length);
        Assert.Equal(lease, JobTokens.LeaseId(token));
        Assert.DoesNotContain(lease, token);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("cjt_")]
    [InlineData("ctk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // an API token's prefix
    [InlineData("cjt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // one short
    [InlineData("cjt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")] // not base64url
    [InlineData("cjt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ")]
    public void LeaseId_OfAnythingNotShapedLikeACredential_IsNull(string? token) => Assert.Null(JobTokens.LeaseId(token));
}
