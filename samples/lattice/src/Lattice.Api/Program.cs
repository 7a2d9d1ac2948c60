using Lattice.Api;

var settings = LatticeSettings.FromEnvironment(Environment.GetEnvironmentVariable);
await using var app = await LatticeApp.CreateAsync(settings, args);
await app.RunAsync();
