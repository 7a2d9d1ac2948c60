namespace Catalytic.Contracts.Server;

/// <summary>Written by `catalytic serve` to .catalytic/server.json: where its API listens.</summary>
public sealed record ServerInfo(string Url, int Pid, DateTimeOffset StartedAt);

/// <summary>The files through which a local client finds the server of a state folder and proves it may call it.</summary>
public static class ServerFiles
{
    /// <summary>File (in the state folder) holding the API address as a <see cref="ServerInfo"/>.</summary>
    public const string Info = "server.json";

    /// <summary>File (in the state folder, mode 0600) holding the bearer token.</summary>
    public const string Token = "server.token";

    /// <summary>File (in the state folder, mode 0600) holding the password `serve` gave the <c>admin</c> user on its first start.</summary>
    public const string InitialAdminPassword = "initial-admin-password";
}
