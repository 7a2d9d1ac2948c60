namespace Catalytic.Cli.Commands.Demo;

/// <summary>What the demo tells a newcomer: numbered steps, plain sentences, the pipeline's own output indented.</summary>
internal sealed class Narrator(TextWriter output)
{
    private readonly object _gate = new();
    private int _step;

    public void Title(string text) => Write($"\n{text}\n{new string('=', text.Length)}");

    public void Step(string text) => Write($"\n[{++_step}] {text}");

    public void Say(string text) => Write("    " + text);

    public void Pipeline(string line) => Write("    │ " + line);

    public void Raw(string text) => Write(text);

    public int Fail(string why)
    {
        Write($"\ndemo failed: {why}");
        return ExitCodes.Failure;
    }

    private void Write(string text)
    {
        lock (_gate)
        {
            output.WriteLine(text);
            output.Flush();
        }
    }
}
