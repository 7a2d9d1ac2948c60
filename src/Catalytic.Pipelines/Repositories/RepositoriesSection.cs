using System.Collections.Immutable;
using Catalytic.Platform.Config;
using Catalytic.Platform.Text;
using Catalytic.Platform.Yaml;

namespace Catalytic.Pipelines.Repositories;

/// <summary>
/// catalytic.yml's <c>repositories:</c> section: the repositories <c>serve</c> runs pipelines for besides the one it
/// runs in (docs/server.md, "Repositories").
/// <code>
/// repositories:
///   app: {path: ../app}                                  # local: watched
///   api:
///     url: https://git.example.com/acme/api.git          # anything git fetches; polled, and told by webhooks
///     poll: 30s                                          # s, m or h; default 60s remote, 10s local
///     branches: [main, 'release/**']
///     default-branch: main
///     webhook-secret: api-hook                           # secret NAMES, never values
///     credentials: {username: ci, password: api-token, ssh-key: api-deploy-key}
/// </code>
/// A relative <c>path</c> is relative to the file's folder. An entry named as the repository serve runs in replaces it
/// (so that repository can take a webhook secret or a branch filter).
/// </summary>
public static class RepositoriesSection
{
    /// <summary>The section, as catalytic.yml's readers see it (its folder resolves relative paths).</summary>
    public static ConfigSection<ImmutableArray<RepositoryDefinition>> For(string configDirectory) =>
        new("repositories", (node, r) => Read(node, r, configDirectory), []);

    /// <summary>Reads the section of <paramref name="path"/>; a missing file or section names none. Errors are <c>file:line:column: message</c>.</summary>
    public static (ImmutableArray<RepositoryDefinition> Repositories, ImmutableArray<string> Errors) Load(string path) =>
        CatalyticFile.Load(path) is { } file ? Read(file) : ([], []);

    /// <summary>Reads the section of an already-read catalytic.yml (relative paths are relative to its folder).</summary>
    public static (ImmutableArray<RepositoryDefinition> Repositories, ImmutableArray<string> Errors) Read(ConfigFile file) =>
        file.ReadReporting(For(Path.GetDirectoryName(Path.GetFullPath(file.File))!));

    private static readonly string[] Keys = ["path", "url", "poll", "branches", "default-branch", "webhook-secret", "credentials"];

    private static ImmutableArray<RepositoryDefinition> Read(YamlNode section, YamlReader r, string configDirectory)
    {
        if (section is not YamlMapping map)
        {
            r.Error(section, "`repositories:` must be a mapping of names to {path: DIR} or {url: GIT-URL}");
            return [];
        }

        var list = ImmutableArray.CreateBuilder<RepositoryDefinition>();
        foreach (var (key, value) in map.Entries)
        {
            var name = key.Value;
            if (name.Length is 0 or > 100 || name[0] == '.' || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                r.Error(key, $"repository name '{Printable(name)}' must be 1 to 100 letters, digits, '-', '_' or '.', not starting with '.' (it is a URL segment and a folder name)");
                continue;
            }

            if (value is not YamlMapping entry)
            {
                r.Error(value, $"repositories.{name} must be a mapping with path: DIR or url: GIT-URL");
                continue;
            }

            r.CheckKeys(entry, Keys);
            if (ReadOne(name, entry, r, configDirectory) is { } definition)
            {
                list.Add(definition);
            }
        }

        return list.ToImmutable();
    }

    private static RepositoryDefinition? ReadOne(string name, YamlMapping entry, YamlReader r, string configDirectory)
    {
        var path = r.String(entry, "path");
        var url = r.String(entry, "url");
        if ((path is null) == (url is null))
        {
            r.Error(entry, $"repositories.{name} needs exactly one of path: (a folder on this machine) and url: (anything git fetches)");
            return null;
        }

        if (path is not null)
        {
            path = Path.GetFullPath(Path.Combine(configDirectory, path));
            if (!Directory.Exists(path))
            {
                r.Error(r.Get(entry, "path"), $"repositories.{name}.path: no folder {path}");
                return null;
            }
        }

        if (url is not null && (url.Length == 0 || url[0] == '-' || url.Any(char.IsControl) || url.Any(char.IsWhiteSpace)))
        {
            r.Error(r.Get(entry, "url"), $"repositories.{name}.url must be a URL git fetches (https://, ssh://, git://, file://, user@host:path), without spaces or a leading '-'");
            return null;
        }

        TimeSpan? poll = null;
        if (r.Get(entry, "poll") is { } pollNode)
        {
            if (pollNode is YamlScalar { Value: var text } && TryInterval(text, out var interval))
            {
                poll = interval;
            }
            else
            {
                r.Error(pollNode, $"repositories.{name}.poll must be an interval from 1s to 24h (30s, 5m, 1h)");
            }
        }

        var branches = ImmutableArray.CreateBuilder<string>();
        switch (r.Get(entry, "branches"))
        {
            case null:
                break;
            case YamlScalar { Value: { Length: > 0 } one }:
                branches.Add(one);
                break;
            case YamlSequence seq:
                foreach (var item in seq.Items)
                {
                    if (item is YamlScalar { Value: { Length: > 0 } b })
                    {
                        branches.Add(b);
                    }
                    else
                    {
                        r.Error(item, $"repositories.{name}.branches: each item is a branch name or glob");
                    }
                }

                break;
            case var other:
                r.Error(other, $"repositories.{name}.branches must be a branch name or glob, or a list of them");
                break;
        }

        var defaultBranch = r.String(entry, "default-branch");
        if (defaultBranch is not null && !Git.IsSafeRef("refs/heads/" + defaultBranch))
        {
            r.Error(r.Get(entry, "default-branch"), $"repositories.{name}.default-branch '{Printable(defaultBranch)}' is not a branch name git accepts");
        }

        RepositoryCredentials? credentials = null;
        if (r.Map(entry, "credentials") is { } c)
        {
            r.CheckKeys(c, ["username", "password", "ssh-key"]);
            credentials = new RepositoryCredentials { Username = r.String(c, "username"), PasswordSecret = r.String(c, "password"), SshKeySecret = r.String(c, "ssh-key") };
        }

        return new RepositoryDefinition
        {
            Name = name,
            Path = path,
            Url = url,
            Poll = poll,
            Branches = branches.ToImmutable(),
            DefaultBranch = defaultBranch,
            WebhookSecret = r.String(entry, "webhook-secret"),
            Credentials = credentials,
        };
    }

    /// <summary>An interval (<see cref="Durations"/>, a unit required: 30s, 5m, 1h, 1m30s) from a second to a day.</summary>
    private static bool TryInterval(string text, out TimeSpan interval) =>
        Durations.TryParse(text, out interval, bareSeconds: false) && interval >= TimeSpan.FromSeconds(1) && interval <= TimeSpan.FromDays(1);

    private static string Printable(string s) => new([.. s.Take(100).Select(ch => char.IsControl(ch) ? '?' : ch)]);
}
