namespace Lattice.Api;

/// <summary>Settings read from the environment at start.</summary>
/// <param name="Port">PORT: the TCP port on 127.0.0.1 (0 picks a free one). Default 8080.</param>
/// <param name="Postgres">LATTICE_POSTGRES: an Npgsql connection string; results are kept in memory when absent.</param>
/// <param name="Redis">LATTICE_REDIS: <c>host:port</c>; an in-process cache is used when absent.</param>
/// <param name="RedisPrefix">LATTICE_REDIS_PREFIX: key prefix, default <c>lattice:</c>.</param>
public sealed record LatticeSettings(int Port, string? Postgres, string? Redis, string RedisPrefix = "lattice:")
{
    public const int DefaultPort = 8080;

    /// <summary>Reads the variables; throws <see cref="ArgumentException"/> naming the variable when one is malformed.</summary>
    public static LatticeSettings FromEnvironment(Func<string, string?> environment)
    {
        var portText = environment("PORT");
        var port = DefaultPort;
        if (!string.IsNullOrWhiteSpace(portText) && (!int.TryParse(portText, out port) || port is < 0 or > 65535))
        {
            throw new ArgumentException($"PORT must be a number from 0 to 65535 (got \"{portText}\").");
        }

        return new LatticeSettings(
            port,
            NonEmpty(environment("LATTICE_POSTGRES")),
            NonEmpty(environment("LATTICE_REDIS")),
            NonEmpty(environment("LATTICE_REDIS_PREFIX")) ?? "lattice:");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
