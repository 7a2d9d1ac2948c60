namespace Catalytic.Contracts;

/// <summary>
/// Process exit codes of every `catalytic` verb and of the workflow action's step; documented in docs/cli.md.
/// A script or a pipeline tells these apart, so they never change meaning.
/// </summary>
public static class ExitCodes
{
    /// <summary>Everything asked for succeeded.</summary>
    public const int Success = 0;

    /// <summary>A workflow, deployment or check failed (or was rolled back).</summary>
    public const int Failure = 1;

    /// <summary>Invalid input: a bad workflow file, bad configuration or bad command-line usage.</summary>
    public const int Invalid = 2;

    /// <summary>A deployment waits at an approval gate.</summary>
    public const int WaitingForApproval = 3;

    /// <summary>The run was cancelled (Ctrl-C).</summary>
    public const int Cancelled = 130;
}
