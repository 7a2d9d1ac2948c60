using Catalytic.Cli;
using Catalytic.Cli.Commands;
using Catalytic.Delivery.Targets;

// The masking stage of an instance's log (started by the supervisor, never by a person): before anything else loads.
if (args is [MaskLogStage.Verb])
{
    return LogMasker.RunProcess();
}

return await CommandLine.RunAsync(args);
