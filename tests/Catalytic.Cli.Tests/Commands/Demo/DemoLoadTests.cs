using Catalytic.Cli.Commands.Demo;

namespace Catalytic.Cli.Tests.Commands.Demo;

public sealed class DemoLoadTests
{
    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void SwitchesOf_RequestsInFlightOnTheOldVersion_DoNotShowAsASwitchBack()
    {
        // In the order the answers arrived: two requests sent before a blue-green switch were answered by v1 after
        // requests sent after it had been answered by v2.
        (TimeSpan, string)[] arrived = [(Ms(0), "v1"), (Ms(10), "v1"), (Ms(40), "v2"), (Ms(20), "v1"), (Ms(50), "v2"), (Ms(30), "v1"), (Ms(60), "v2")];

        var switches = DemoLoad.SwitchesOf(arrived);

        Assert.Equal([(Ms(0), "v1"), (Ms(40), "v2")], switches);
    }

    [Fact]
    public void SwitchesOf_ARollback_ShowsEveryVersionInTurn()
    {
        (TimeSpan, string)[] arrived = [(Ms(0), "v1"), (Ms(20), "v2"), (Ms(10), "v1"), (Ms(30), "v2"), (Ms(50), "v1"), (Ms(40), "v2")];

        Assert.Equal([(Ms(0), "v1"), (Ms(20), "v2"), (Ms(50), "v1")], DemoLoad.SwitchesOf(arrived));
        Assert.Empty(DemoLoad.SwitchesOf([]));
    }
}
