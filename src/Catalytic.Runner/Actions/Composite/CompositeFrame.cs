using System.Text.Json.Nodes;
using Catalytic.Runner.Actions.Local;

namespace Catalytic.Runner.Actions.Composite;

/// <summary>The state of one running composite action: its steps context, status, env and the lines of its failure.</summary>
internal sealed class CompositeFrame(string logName, string actionPath, string uses, JsonObject github, JsonObject inputs, Dictionary<string, string> env, int depth)
{
    private readonly Queue<string> _tail = new();

    /// <summary>The job step's name every inner line is tagged with.</summary>
    public string LogName { get; } = logName;

    public string ActionPath { get; } = actionPath;

    public string Uses { get; } = uses;

    public JsonObject Github { get; } = github;

    public JsonObject Inputs { get; } = inputs;

    public JsonObject Steps { get; } = [];

    /// <summary>The calling step's own env (and its callers'), laid over the job's env for every inner step.</summary>
    public Dictionary<string, string> Env { get; } = env;

    public int Depth { get; } = depth;

    public bool Failed { get; set; }

    public bool Cancelled { get; set; }

    public string? FailedStepName { get; set; }

    public IEnumerable<string> Tail => _tail;

    public void Remember(string line)
    {
        if (_tail.Count >= 20)
        {
            _tail.Dequeue();
        }

        _tail.Enqueue(line);
    }

    public void AddActionVariables(Dictionary<string, string> processEnv) => LocalActionCalls.AddActionVariables(processEnv, ActionPath, Uses);
}
