using Catalytic.Runner.WorkflowCommands;

namespace Catalytic.Runner.Tests.WorkflowCommands;

public sealed class WorkflowCommandTests
{
    [Fact]
    public void TryParse_ErrorWithProperties_ReadsFileLineColumn()
    {
        var c = WorkflowCommand.TryParse("::error file=app.js,line=10,col=15,title=Bad%3A thing::Missing semicolon%0Anext");
        Assert.NotNull(c);
        Assert.Equal("error", c.Name);
        Assert.Equal("app.js", c.Properties["file"]);
        Assert.Equal("10", c.Properties["line"]);
        Assert.Equal("Bad: thing", c.Properties["title"]);
        Assert.Equal("Missing semicolon\nnext", c.Message);
    }

    [Fact]
    public void TryParse_OrdinaryLine_ReturnsNull()
    {
        Assert.Null(WorkflowCommand.TryParse("hello :: world"));
        Assert.Null(WorkflowCommand.TryParse("::nope"));
    }

    [Fact]
    public void TryParse_AddMask_TakesEverythingAfterSeparator()
    {
        var c = WorkflowCommand.TryParse("::add-mask::a::b");
        Assert.Equal("add-mask", c!.Name);
        Assert.Equal("a::b", c.Message);
    }
}
