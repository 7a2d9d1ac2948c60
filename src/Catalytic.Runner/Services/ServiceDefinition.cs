using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Services;

/// <summary>
/// One entry of a job's `services:` map (or the job's `container:`), after expression evaluation:
/// `image`, `env`, `ports`, `options`, `volumes`, `credentials` are kept as GitHub reads them.
/// </summary>
public sealed record ServiceDefinition(string Id, string Image)
{
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>`ports:` items as written: `5432`, `5432:5432`, `15432:5432`, `127.0.0.1:6379:6379`, `8080/tcp`.</summary>
    public IReadOnlyList<string> Ports { get; init; } = [];

    /// <summary>`options:`, the `docker create` flags (`--health-cmd …`).</summary>
    public string Options { get; init; } = string.Empty;

    public IReadOnlyList<string> Volumes { get; init; } = [];

    /// <summary>
    /// Reads a service from its `services:` entry. <paramref name="evaluate"/> turns each scalar (which may hold
    /// `${{ }}`) into its value; the runner passes its template evaluator. A scalar entry is the image alone.
    /// </summary>
    public static ServiceDefinition FromTemplate(string id, TemplateNode node, Func<TemplateScalar, string> evaluate)
    {
        if (node is TemplateScalar imageOnly)
        {
            return new ServiceDefinition(id, evaluate(imageOnly));
        }

        if (node is not TemplateMapping map)
        {
            throw new FormatException($"{node.Span}: service '{id}' must be a mapping with an image");
        }

        var image = map["image"] is TemplateScalar i ? evaluate(i) : throw new FormatException($"{node.Span}: service '{id}' has no image");
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (map["env"] is TemplateMapping envMap)
        {
            foreach (var (key, value) in envMap.Entries)
            {
                env[key.Value] = value is TemplateScalar s ? evaluate(s) : string.Empty;
            }
        }

        return new ServiceDefinition(id, image)
        {
            Env = env,
            Ports = Scalars(map["ports"], evaluate),
            Volumes = Scalars(map["volumes"], evaluate),
            Options = map["options"] is TemplateScalar o ? evaluate(o) : string.Empty,
        };
    }

    /// <summary>The image's name without registry, tag or digest: `docker.io/library/postgres:16-alpine` → `postgres`.</summary>
    public string ImageName
    {
        get
        {
            var name = Image;
            var at = name.IndexOf('@', StringComparison.Ordinal);
            if (at >= 0)
            {
                name = name[..at];
            }

            var slash = name.LastIndexOf('/');
            var colon = name.LastIndexOf(':');
            if (colon > slash)
            {
                name = name[..colon];
            }

            return slash >= 0 ? name[(slash + 1)..].ToLowerInvariant() : name.ToLowerInvariant();
        }
    }

    /// <summary>The image's tag (`16-alpine`), or `latest`.</summary>
    public string ImageTag
    {
        get
        {
            var slash = Image.LastIndexOf('/');
            var colon = Image.LastIndexOf(':');
            return colon > slash ? Image[(colon + 1)..] : "latest";
        }
    }

    private static IReadOnlyList<string> Scalars(TemplateNode? node, Func<TemplateScalar, string> evaluate) => node switch
    {
        TemplateSequence seq => seq.Items.OfType<TemplateScalar>().Select(evaluate).ToArray(),
        TemplateScalar s => [evaluate(s)],
        _ => [],
    };
}

/// <summary>A port mapping: the container side (the key of `job.services.&lt;id&gt;.ports`) and the host side (null = pick a free one).</summary>
public sealed record PortMapping(int ContainerPort, int? HostPort)
{
    /// <summary>Parses `5432`, `5432:5432`, `15432:5432`, `127.0.0.1:15432:5432`, `5432/tcp`; null with an error otherwise.</summary>
    public static PortMapping? Parse(string text, out string? error)
    {
        error = null;
        var body = text.Trim();
        var proto = body.IndexOf('/', StringComparison.Ordinal);
        if (proto >= 0)
        {
            if (!body[(proto + 1)..].Equals("tcp", StringComparison.OrdinalIgnoreCase))
            {
                error = $"port '{text}': only tcp is supported";
                return null;
            }

            body = body[..proto];
        }

        var parts = body.Split(':');
        if (parts.Length == 3)
        {
            parts = parts[1..]; // an address on the host side: services listen on 127.0.0.1 anyway
        }

        if (parts.Length is < 1 or > 2 || !parts.All(p => int.TryParse(p, out var n) && n is > 0 and < 65536))
        {
            error = $"port '{text}' is not HOST:CONTAINER or CONTAINER";
            return null;
        }

        return parts.Length == 1
            ? new PortMapping(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), null)
            : new PortMapping(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>A started service: where a step reaches it. <see cref="Ports"/> maps container port → host port, like `job.services.&lt;id&gt;.ports`.</summary>
public sealed record RunningService(string Id, string Image, string Host, IReadOnlyDictionary<string, string> Ports, string Kind)
{
    /// <summary>The container id for podman services; empty for services run from host binaries.</summary>
    public string ContainerId { get; init; } = string.Empty;
}
