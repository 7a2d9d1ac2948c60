using Catalytic.Delivery.Targets;

namespace Catalytic.Delivery.Tests.Targets;

/// <summary>
/// How the secrets reach the masking stage (its environment). The masking itself is Platform's SecretMasker
/// (tests/Catalytic.Platform.Tests/Secrets); the stage as a process is exercised by ProcessSupervisorTests.
/// </summary>
public sealed class LogMaskerTests
{
    [Fact]
    public void Decode_OfEncode_GivesBackEveryValueWithCommasLineBreaksAndNonAscii()
    {
        string[] secrets = ["plain", "with,comma", "two\nlines", "pässwörd", ""];
        Assert.Equal(secrets[..4], LogMasker.Decode(LogMasker.Encode(secrets)));
    }

    [Fact]
    public void Decode_NoVariable_IsNoSecret() => Assert.Empty(LogMasker.Decode(null));
}
