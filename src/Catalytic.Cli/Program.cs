using Catalytic.Cli;

return await CommandLine.RunAsync(args);
