using System.Collections.Immutable;

namespace Catalytic.Pipelines.Repositories;

/// <summary>
/// One repository the server runs pipelines for: a key of <c>repositories:</c> in catalytic.yml, or the repository
/// <c>serve</c> was started in. Exactly one of <see cref="Path"/> (a local repository, watched) and <see cref="Url"/>
/// (anything git can fetch, polled and told by webhooks) is set.
/// </summary>
public sealed record RepositoryDefinition
{
    /// <summary>The name runs, webhooks (<c>/api/hooks/{name}</c>) and the CLI use: letters, digits, '-', '_', '.'.</summary>
    public required string Name { get; init; }

    /// <summary>A local repository's folder (its work tree or a bare repository); null for a remote one.</summary>
    public string? Path { get; init; }

    /// <summary>A remote repository's URL (https, ssh, git, file); null for a local one.</summary>
    public string? Url { get; init; }

    /// <summary>How often the refs are read again: the fallback of a local repository's watcher, a remote's only news
    /// besides webhooks. Null: <see cref="DefaultLocalPoll"/> or <see cref="DefaultRemotePoll"/>.</summary>
    public TimeSpan? Poll { get; init; }

    /// <summary>Only pushes to these branches (GitHub's branch globs) start runs; empty: every branch.</summary>
    public ImmutableArray<string> Branches { get; init; } = [];

    /// <summary>The name of the secret whose value signs this repository's webhooks; null: webhooks are refused.</summary>
    public string? WebhookSecret { get; init; }

    /// <summary>The default branch (schedules, repository_dispatch); null: asked of the repository.</summary>
    public string? DefaultBranch { get; init; }

    /// <summary>How to authenticate a remote fetch; null: none (or what git's own config supplies).</summary>
    public RepositoryCredentials? Credentials { get; init; }

    /// <summary>The local poll fallback when <see cref="Poll"/> is not set.</summary>
    public static TimeSpan DefaultLocalPoll { get; } = TimeSpan.FromSeconds(10);

    /// <summary>A remote repository's poll when <see cref="Poll"/> is not set.</summary>
    public static TimeSpan DefaultRemotePoll { get; } = TimeSpan.FromSeconds(60);

    /// <summary>True for a local repository (a folder on this machine, watched for ref changes).</summary>
    public bool IsLocal => Path is not null;

    /// <summary>The poll interval in force.</summary>
    public TimeSpan PollInterval => Poll ?? (IsLocal ? DefaultLocalPoll : DefaultRemotePoll);

    /// <summary>Where git fetches from: the folder, or the URL.</summary>
    public string Source => Path ?? Url ?? throw new InvalidOperationException($"repository '{Name}' has neither path nor url");

    /// <summary>The source for messages: a URL without credentials written into it.</summary>
    public string DisplaySource => Path ?? Git.Redact(Url ?? "");
}

/// <summary>
/// Credentials of a remote repository, by secret name (the values come from <see cref="ISecretSource"/> when a fetch
/// needs them, so catalytic.yml holds no secret): a user and password or token for http(s), or a private key for ssh.
/// </summary>
public sealed record RepositoryCredentials
{
    /// <summary>The user name for http(s) (a literal: names are not secret); null with a token: <c>x-access-token</c>, as GitHub's checkout does.</summary>
    public string? Username { get; init; }

    /// <summary>The secret holding the password or access token for http(s).</summary>
    public string? PasswordSecret { get; init; }

    /// <summary>The secret holding an ssh private key (OpenSSH format).</summary>
    public string? SshKeySecret { get; init; }
}

/// <summary>
/// Where the triggers read secret values: webhook secrets and fetch credentials. The server's secret store implements
/// it; <see cref="EnvironmentSecretSource"/> is the default until then.
/// </summary>
public interface ISecretSource
{
    /// <summary>The value of secret <paramref name="name"/> as <paramref name="repository"/> sees it (repository scope before organisation); null when unset.</summary>
    string? Get(string repository, string name);
}

/// <summary>
/// Secrets as the delivery half reads them today: the server's environment variable <c>CATALYTIC_SECRET_NAME</c>
/// (upper case, <c>-</c> and <c>.</c> as <c>_</c>) or the file <c>{state}/secrets/{name}</c>.
/// </summary>
public sealed class EnvironmentSecretSource(string stateDirectory) : ISecretSource
{
    /// <inheritdoc/>
    public string? Get(string repository, string name)
    {
        var variable = "CATALYTIC_SECRET_" + name.ToUpperInvariant().Replace('-', '_').Replace('.', '_');
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
        {
            return value;
        }

        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name.StartsWith('.'))
        {
            return null;
        }

        var file = System.IO.Path.Combine(stateDirectory, "secrets", name);
        return File.Exists(file) ? File.ReadAllText(file).TrimEnd('\r', '\n') : null;
    }
}
