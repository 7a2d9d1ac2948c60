using System.Globalization;
using System.Text;
using Catalytic.Delivery.Client;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Storage;
using Catalytic.Edge.Routing;
using Catalytic.Platform.Secrets;
using Catalytic.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Catalytic.Server.Api;

/// <summary>
/// The delivery API under /api: deployments, gates, rollback, status, logs. Every route but /api/health needs the
/// bearer token from .catalytic/server.token; refusals are RFC 7807 problem documents naming the field at fault.
/// </summary>
public static class DeliveryEndpoints
{
    /// <summary>Maps /api.</summary>
    public static IEndpointRouteBuilder MapDeliveryEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/health", () => TypedResults.Text("ok\n"));
        var api = routes.MapGroup("/api").AddEndpointFilter(RequireToken);
        api.MapPost("/deployments", DeployAsync);
        api.MapGet("/deployments", ListAsync);
        api.MapGet("/deployments/{id}", GetAsync);
        var env = api.MapGroup("/apps/{app}/environments/{environment}");
        env.MapPost("/approve", (string app, string environment, DecisionBody? body, DeliveryEngine engine, IDeliveryStore store, CancellationToken ct) =>
            DecideAsync(app, environment, body, approve: true, engine, store, ct));
        env.MapPost("/reject", (string app, string environment, DecisionBody? body, DeliveryEngine engine, IDeliveryStore store, CancellationToken ct) =>
            DecideAsync(app, environment, body, approve: false, engine, store, ct));
        env.MapPost("/rollback", RollbackAsync);
        env.MapGet("/logs", LogsAsync);
        api.MapGet("/status", StatusAsync);
        return routes;
    }

    /// <summary>Maps /metrics: the edge's per-version RED metrics and the deployment counters, Prometheus text 0.0.4.</summary>
    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/metrics", (EdgeRouter router, DeliveryEngine engine) =>
        {
            var sb = new StringBuilder(router.FormatPrometheus());
            sb.Append("# HELP catalytic_deployments_total Deployments that ended, by final state.\n# TYPE catalytic_deployments_total counter\n");
            foreach (var (key, n) in engine.Counters.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                var p = key.Split('|');
                sb.Append(CultureInfo.InvariantCulture, $"catalytic_deployments_total{{app=\"{Escape(p[0])}\",environment=\"{Escape(p[1])}\",state=\"{p[2]}\"}} {n}\n");
            }

            sb.Append("# HELP catalytic_instances Supervised instances, by health.\n# TYPE catalytic_instances gauge\n");
            foreach (var g in engine.Supervisor.Instances.GroupBy(i => (i.App, i.Environment, i.Version, Health: i.Health.ToString().ToLowerInvariant())).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal))
            {
                sb.Append(CultureInfo.InvariantCulture, $"catalytic_instances{{app=\"{Escape(g.Key.App)}\",environment=\"{Escape(g.Key.Environment)}\",version=\"{Escape(g.Key.Version)}\",health=\"{g.Key.Health}\"}} {g.Count()}\n");
            }

            return TypedResults.Text(sb.ToString(), "text/plain; version=0.0.4; charset=utf-8");
        });
        return routes;
    }

    private static async ValueTask<object?> RequireToken(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = context.HttpContext.RequestServices.GetService(typeof(ApiToken)) as ApiToken;
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        if (expected is null || !header.StartsWith("Bearer ", StringComparison.Ordinal) ||
            !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[7..].Trim()), Encoding.UTF8.GetBytes(expected.Value)))
        {
            return Problem(StatusCodes.Status401Unauthorized, "unauthorized", "missing or wrong bearer token (see .catalytic/server.token)", "authorization");
        }

        return await next(context);
    }

    private static async Task<IResult> DeployAsync(DeployBody? body, DeliveryEngine engine, IDeliveryStore store, CancellationToken ct)
    {
        if (body is null)
        {
            return Problem(400, "invalid request", "a JSON body {app, environment, artifact, version?, strategy?} is required", "body");
        }

        foreach (var (field, value) in new[] { ("app", body.App), ("environment", body.Environment), ("artifact", body.Artifact) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                return Problem(400, "invalid request", $"`{field}` is required", field);
            }
        }

        var result = await engine.DeployAsync(new DeployRequest(body.App, body.Environment, body.Artifact, body.Version, body.Strategy, body.By), ct);
        return result.Error is { } e ? Problem(e) : TypedResults.Accepted($"/api/deployments/{result.Value!.Id}", await ViewAsync(result.Value, store, ct));
    }

    private static async Task<IResult> GetAsync(string id, IDeliveryStore store, CancellationToken ct) =>
        await store.GetDeploymentAsync(id, ct) is { } d
            ? TypedResults.Ok(await ViewAsync(d, store, ct))
            : Problem(404, "not found", $"no deployment '{id}'", "id");

    private static async Task<IResult> ListAsync(string? app, string? environment, int? limit, IDeliveryStore store, CancellationToken ct)
    {
        var list = await store.ListDeploymentsAsync(app, environment, Math.Clamp(limit ?? 50, 1, 1000), ct);
        return TypedResults.Ok<IReadOnlyList<DeploymentView>>([.. list.Select(d => View(d))]);
    }

    private static async Task<IResult> DecideAsync(string app, string environment, DecisionBody? body, bool approve, DeliveryEngine engine, IDeliveryStore store, CancellationToken ct)
    {
        var result = await engine.DecideAsync(app, environment, body?.Id, approve, body?.By ?? "unknown", body?.Comment, ct);
        return result.Error is { } e ? Problem(e) : TypedResults.Ok(await ViewAsync(result.Value!, store, ct));
    }

    private static async Task<IResult> RollbackAsync(string app, string environment, RollbackBody? body, DeliveryEngine engine, IDeliveryStore store, CancellationToken ct)
    {
        var result = await engine.RollbackAsync(app, environment, body?.To, body?.By ?? "unknown", ct);
        return result.Error is { } e ? Problem(e) : TypedResults.Ok(await ViewAsync(result.Value!, store, ct));
    }

    private static async Task<IResult> StatusAsync(string? app, string? environment, DeliveryEngine engine, IDeliveryStore store, CancellationToken ct)
    {
        var loaded = engine.LoadConfig();
        var config = loaded.Value ?? engine.Config;
        if (config is null)
        {
            return Problem(loaded.Error!);
        }

        if (app is not null && config.FindApp(app) is null)
        {
            return Problem(404, "not found", $"no app '{app}' in {config.Path}", "app");
        }

        var lives = await store.ListLiveAsync(ct);
        var views = new List<EnvironmentStatusView>();
        foreach (var a in config.Apps.Where(a => app is null || a.Name == app))
        {
            foreach (var e in a.Environments.Where(e => environment is null || e.Name == environment))
            {
                var runtime = engine.Runtime(a.Name, e.Name);
                var history = await store.ListDeploymentsAsync(a.Name, e.Name, 100, ct);
                var historyViews = new List<DeploymentView>();
                foreach (var d in history)
                {
                    historyViews.Add(await ViewAsync(d, store, ct));
                }

                views.Add(new EnvironmentStatusView(
                    a.Name, e.Name, e.Listen, DeliveryConfigParser.StrategyName(e.Strategy),
                    lives.FirstOrDefault(l => l.App == a.Name && l.Environment == e.Name)?.Version,
                    runtime.Active?.Id,
                    runtime.Warm?.Version,
                    [.. engine.Supervisor.Instances.Where(i => i.App == a.Name && i.Environment == e.Name).OrderBy(i => i.Version, StringComparer.Ordinal).ThenBy(i => i.Port)
                        .Select(i => new InstanceView(i.Id, i.Version, i.Port, i.Health.ToString().ToLowerInvariant(), i.Restarts, i.Pid))],
                    [.. runtime.Plan.Select(p => new TrafficView(p.Version, p.Weight, p.Instances.Length))],
                    historyViews));
            }
        }

        if (environment is not null && views.Count == 0)
        {
            return Problem(404, "not found", $"no environment '{environment}'{(app is null ? "" : $" in app '{app}'")}", "environment");
        }

        return TypedResults.Ok(new StatusView(views));
    }

    private static async Task LogsAsync(HttpContext http, string app, string environment, bool? follow, int? tail, DeliveryEngine engine)
    {
        var (_, error) = engine.Resolve(app, environment);
        if (error is not null)
        {
            await Problem(error).ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = "text/plain; charset=utf-8";
        var ct = http.RequestAborted;
        // An instance may print a secret it was given; it never leaves the server unmasked.
        var masker = new SecretMasker(engine.SecretValues(app, environment));
        var files = engine.LogFiles(app, environment);
        var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var lines = File.Exists(file) ? await File.ReadAllLinesAsync(file, ct) : [];
            foreach (var line in lines.TakeLast(Math.Clamp(tail ?? 100, 0, 100_000)))
            {
                await http.Response.WriteAsync(masker.Apply($"[{name}] {line}\n"), ct);
            }

            offsets[file] = File.Exists(file) ? new FileInfo(file).Length : 0;
        }

        await http.Response.Body.FlushAsync(ct);
        if (follow != true)
        {
            return;
        }

        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(200, ct);
                foreach (var file in engine.LogFiles(app, environment))
                {
                    var length = File.Exists(file) ? new FileInfo(file).Length : 0;
                    var from = offsets.GetValueOrDefault(file);
                    if (length <= from)
                    {
                        continue;
                    }

                    await using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    fs.Seek(from, SeekOrigin.Begin);
                    using var reader = new StreamReader(fs);
                    var text = await reader.ReadToEndAsync(ct);
                    var complete = text.LastIndexOf('\n');
                    if (complete < 0)
                    {
                        continue;
                    }

                    var name = Path.GetFileNameWithoutExtension(file);
                    foreach (var line in text[..complete].Split('\n'))
                    {
                        await http.Response.WriteAsync(masker.Apply($"[{name}] {line}\n"), ct);
                    }

                    offsets[file] = from + Encoding.UTF8.GetByteCount(text[..(complete + 1)]);
                }

                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The API view of a deployment (without events).</summary>
    public static DeploymentView View(Deployment d, IReadOnlyList<EventView>? events = null, IReadOnlyList<ApprovalView>? approvals = null) =>
        new(d.Id, d.App, d.Environment, d.Version, d.PreviousVersion, d.Strategy, d.State.Name(), d.Reason, d.CreatedAt, d.UpdatedAt, events, approvals);

    private static async Task<DeploymentView> ViewAsync(Deployment d, IDeliveryStore store, CancellationToken ct)
    {
        var events = await store.ListEventsAsync(d.Id, ct);
        var approvals = await store.ListApprovalsAsync(d.Id, ct);
        return View(d, [.. events.Select(e => new EventView(e.At, e.State.Name(), e.Message))], [.. approvals.Select(a => new ApprovalView(a.By, a.Approved, a.At, a.Comment))]);
    }

    private static IResult Problem(DeliveryError e) => Problem(
        e.Kind switch { DeliveryErrorKind.NotFound => 404, DeliveryErrorKind.Conflict => 409, _ => 400 },
        e.Kind switch { DeliveryErrorKind.NotFound => "not found", DeliveryErrorKind.Conflict => "conflict", _ => "invalid request" },
        e.Message, e.Field, e.Details.IsDefault ? null : e.Details);

    private static IResult Problem(int status, string title, string detail, string field, IReadOnlyList<string>? errors = null)
    {
        var extensions = new Dictionary<string, object?> { ["field"] = field };
        if (errors is { Count: > 0 })
        {
            extensions["errors"] = errors.ToArray();
        }

        return TypedResults.Problem(detail, statusCode: status, title: title, type: $"https://catalytic.dev/problems/{title.Replace(' ', '-')}", extensions: extensions);
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
