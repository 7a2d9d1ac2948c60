using System.Text;
using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Problems;
using Catalytic.Contracts.Status;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Storage;
using Catalytic.Identity.Audit;
using Catalytic.Platform.Secrets;
using Catalytic.Server.Hosting;
using Catalytic.Server.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using static Catalytic.Server.Api.ApiResults;

using Catalytic.Server.Auth;

namespace Catalytic.Server.Api;

/// <summary>
/// The delivery API under /api (routes in <see cref="DeliveryRoutes"/>, shapes in Catalytic.Contracts): deployments,
/// gates, rollback, status, logs. Every route but /api/health needs credentials and names its policy; who acted is
/// always the authenticated caller, and every change is audited. Refusals are RFC 7807 problem documents naming the
/// field at fault.
/// </summary>
public static class DeliveryEndpoints
{
    /// <summary>How often a followed log is read again for new lines.</summary>
    private static readonly TimeSpan LogPoll = TimeSpan.FromMilliseconds(200);

    /// <summary>The largest artifact an upload may carry (files and tar headers).</summary>
    public const long MaxUploadBytes = 2L << 30;

    /// <summary>Maps /api; uploaded artifacts are unpacked under <paramref name="uploads"/> (emptied now: what a killed server left there) until their release is made.</summary>
    public static IEndpointRouteBuilder MapDeliveryEndpoints(this IEndpointRouteBuilder routes, string? uploads = null)
    {
        uploads ??= Path.Combine(Path.GetTempPath(), "catalytic-uploads-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (Directory.Exists(uploads))
        {
            Directory.Delete(uploads, recursive: true);
        }

        routes.MapGet(DeliveryRoutes.Health, () => TypedResults.Text("ok\n")).Public("liveness probe: says ok and nothing else");
        var api = routes.MapGroup(DeliveryRoutes.Api);
        api.MapPost(DeliveryRoutes.Deployments, DeployAsync).Require(Policies.Developer);
        api.MapPost(DeliveryRoutes.DeploymentUploads, (HttpContext http, string? app, string? environment, string? version, string? strategy, DeliveryEngine engine, IDeliveryStore store, CancellationToken ct) =>
            UploadAsync(http, uploads, new DeployBody(app ?? "", environment ?? "", "", version, strategy), engine, store, ct))
            .Require(Policies.Developer).AllowJobs().WithMetadata(new MaxBodySize(MaxUploadBytes));
        api.MapGet(DeliveryRoutes.Deployments, ListAsync).Require(Policies.Viewer);
        api.MapGet(DeliveryRoutes.Deployment, GetAsync).Require(Policies.Viewer).AllowJobs();
        var env = api.MapGroup(DeliveryRoutes.Environment);
        env.MapPost(DeliveryRoutes.Approve, (HttpContext http, string app, string environment, DecisionBody? body, DeliveryEngine engine, IDeliveryStore store, IApprovalRules rules, CancellationToken ct) =>
            DecideAsync(http, app, environment, body, approve: true, engine, store, rules, ct)).Require(Policies.Approver);
        env.MapPost(DeliveryRoutes.Reject, (HttpContext http, string app, string environment, DecisionBody? body, DeliveryEngine engine, IDeliveryStore store, IApprovalRules rules, CancellationToken ct) =>
            DecideAsync(http, app, environment, body, approve: false, engine, store, rules, ct)).Require(Policies.Approver);
        env.MapPost(DeliveryRoutes.Rollback, RollbackAsync).Require(Policies.Approver);
        env.MapGet(DeliveryRoutes.Logs, LogsAsync).Require(Policies.Viewer);
        api.MapGet(DeliveryRoutes.Status, StatusAsync).Require(Policies.Viewer);
        return routes;
    }

    private static async Task<IResult> DeployAsync(HttpContext http, DeployBody? body, DeliveryEngine engine, IDeliveryStore store, CancellationToken ct)
    {
        if (body is null)
        {
            return Problem(ApiProblems.Invalid, "a JSON body {app, environment, artifact, version?, strategy?} is required", "body");
        }

        foreach (var (field, value) in new[] { ("app", body.App), ("environment", body.Environment), ("artifact", body.Artifact) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                return Problem(ApiProblems.Invalid, $"`{field}` is required", field);
            }
        }

        return await StartAsync(http, body, engine, store, ct);
    }

    private static async Task<IResult> StartAsync(HttpContext http, DeployBody body, DeliveryEngine engine, IDeliveryStore store, CancellationToken ct)
    {
        var result = await engine.DeployAsync(new DeployRequest(body.App, body.Environment, body.Artifact, body.Version, body.Strategy, http.Caller().Name), ct);
        if (result.Error is { } e)
        {
            return Problem(e);
        }

        var d = result.Value!;
        await http.AuditAsync(AuditActions.Deploy, d.Id, $"{d.App}/{d.Environment} {d.Version} ({d.Strategy})");
        return TypedResults.Accepted($"/api/deployments/{d.Id}", await ViewAsync(d, store, ct));
    }

    /// <summary>
    /// Deploys an artifact sent as a tar stream: unpacked into a folder of its own (plain files and folders only, within
    /// <see cref="MaxUploadBytes"/>; a hostile or broken stream is refused and leaves nothing), made a release (which
    /// copies it), and removed again.
    /// </summary>
    private static async Task<IResult> UploadAsync(HttpContext http, string uploads, DeployBody body, DeliveryEngine engine, IDeliveryStore store, CancellationToken ct)
    {
        foreach (var (field, value) in new[] { ("app", body.App), ("environment", body.Environment) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                return Problem(ApiProblems.Invalid, $"`{field}` is required (?app=APP&environment=ENV)", field);
            }
        }

        // Refused before any byte is unpacked when the app or environment does not exist.
        if (engine.Resolve(body.App, body.Environment).Error is { } missing)
        {
            return Problem(missing);
        }

        var folder = Path.Combine(uploads, Guid.NewGuid().ToString("N"));
        try
        {
            try
            {
                await Catalytic.Pipelines.Workers.Files.TarTransfer.ExtractAsync(http.Request.Body, folder, new Catalytic.Pipelines.Workers.Files.TarLimits(MaxUploadBytes), ct);
            }
            catch (Catalytic.Platform.Archives.TarRefusedException e)
            {
                return e.TooLarge
                    ? Problem(new ProblemKind(StatusCodes.Status413PayloadTooLarge, "too large"), $"the artifact is refused: {e.Message}", "body")
                    : Problem(ApiProblems.Invalid, $"the artifact is not a tar stream of plain files and folders: {e.Message}", "body");
            }
            catch (InvalidDataException e)
            {
                return Problem(ApiProblems.Invalid, $"the artifact is not a tar stream: {e.Message}", "body");
            }
            catch (IOException e) when (!ct.IsCancellationRequested)
            {
                // The client went away mid-upload (or the disk is full, which the storage-full handler answers): nothing was deployed.
                if (e.Message.Contains("No space left", StringComparison.Ordinal))
                {
                    throw;
                }

                return Problem(ApiProblems.Invalid, $"the upload broke off: {e.Message}", "body");
            }

            return await StartAsync(http, body with { Artifact = folder }, engine, store, ct);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>One deployment; a job's credential sees only the deployments its job started.</summary>
    private static async Task<IResult> GetAsync(HttpContext http, string id, IDeliveryStore store, CancellationToken ct) =>
        await store.GetDeploymentAsync(id, ct) is { } d && (http.Caller().Kind != Catalytic.Identity.Accounts.CallerKind.Job || d.RequestedBy == http.Caller().Name)
            ? TypedResults.Ok(await ViewAsync(d, store, ct))
            : Problem(ApiProblems.NotFound, $"no deployment '{id}'", "id");

    private static async Task<IResult> ListAsync(string? app, string? environment, int? limit, IDeliveryStore store, CancellationToken ct)
    {
        var list = await store.ListDeploymentsAsync(app, environment, Math.Clamp(limit ?? 50, 1, 1000), ct);
        return TypedResults.Ok<IReadOnlyList<DeploymentView>>([.. list.Select(d => View(d))]);
    }

    /// <summary>
    /// Answers once the deployment recorded the decision and left the gate (see <see cref="DeliveryEngine.DecideAsync"/>).
    /// The decision is the caller's (the policy checked the environment's rule); where the environment prevents
    /// self-review, whoever requested the waiting deployment may not approve it.
    /// </summary>
    private static async Task<IResult> DecideAsync(HttpContext http, string app, string environment, DecisionBody? body, bool approve, DeliveryEngine engine, IDeliveryStore store, IApprovalRules rules, CancellationToken ct)
    {
        var caller = http.Caller();
        var id = body?.Id;
        if (approve && rules.For(app, environment) is { PreventSelfReview: true } rule)
        {
            // Decide the very deployment checked: if another takes the gate meanwhile, the engine refuses this id. The
            // active one whether or not its gate is open yet: the engine waits for a gate recorded as waiting and about
            // to open, and a decision without an id would then skip this check (a self-approval in that moment).
            id ??= engine.State(app, environment).Active?.Id;
            if (id is not null && await store.GetDeploymentAsync(id, ct) is { } d && rule.Refusal(caller, d.RequestedBy) is { } why)
            {
                await http.AuditAsync(AuditActions.Approve, d.Id, $"{app}/{environment} {d.Version}: {why}", AuditOutcomes.Denied);
                return Forbidden(why, "id");
            }
        }

        var result = await engine.DecideAsync(app, environment, id, approve, caller.Name, body?.Comment, ct);
        if (result.Error is { } e)
        {
            return Problem(e);
        }

        var decided = result.Value!;
        await http.AuditAsync(approve ? AuditActions.Approve : AuditActions.Reject, decided.Id,
            $"{app}/{environment} {decided.Version}{(body?.Comment is { } c ? ": " + c : "")}");
        return TypedResults.Ok(await ViewAsync(decided, store, ct));
    }

    private static async Task<IResult> RollbackAsync(HttpContext http, string app, string environment, RollbackBody? body, DeliveryEngine engine, IDeliveryStore store, CancellationToken ct)
    {
        var result = await engine.RollbackAsync(app, environment, body?.To, http.Caller().Name, ct);
        if (result.Error is { } e)
        {
            return Problem(e);
        }

        var d = result.Value!;
        await http.AuditAsync(AuditActions.Rollback, d.Id, $"{app}/{environment} to {d.Version}");
        return TypedResults.Ok(await ViewAsync(d, store, ct));
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
            return Problem(ApiProblems.NotFound, $"no app '{app}' in {config.Path}", "app");
        }

        var lives = await store.ListLiveAsync(ct);
        var views = new List<EnvironmentStatusView>();
        foreach (var a in config.Apps.Where(a => app is null || a.Name == app))
        {
            foreach (var e in a.Environments.Where(e => environment is null || e.Name == environment))
            {
                // One snapshot per environment: the running deployment, the warm release and the traffic agree.
                var state = engine.State(a.Name, e.Name);
                var history = await store.ListDeploymentsAsync(a.Name, e.Name, 100, ct);
                var historyViews = new List<DeploymentView>();
                foreach (var d in history)
                {
                    historyViews.Add(await ViewAsync(d, store, ct));
                }

                views.Add(new EnvironmentStatusView(
                    a.Name, e.Name, e.Listen, DeliveryConfigParser.StrategyName(e.Strategy),
                    lives.FirstOrDefault(l => l.App == a.Name && l.Environment == e.Name)?.Version,
                    state.Active?.Id,
                    state.Warm?.Version,
                    [.. engine.Supervisor.Instances.Where(i => i.App == a.Name && i.Environment == e.Name).OrderBy(i => i.Version, StringComparer.Ordinal).ThenBy(i => i.Port)
                        .Select(i => new InstanceView(i.Id, i.Version, i.Port, i.Health.ToString().ToLowerInvariant(), i.Restarts, i.Pid))],
                    [.. state.Plan.Select(p => new TrafficView(p.Version, p.Weight, p.Instances.Length))],
                    historyViews));
            }
        }

        if (environment is not null && views.Count == 0)
        {
            return Problem(ApiProblems.NotFound, $"no environment '{environment}'{(app is null ? "" : $" in app '{app}'")}", "environment");
        }

        return TypedResults.Ok(new StatusView(views));
    }

    private static async Task LogsAsync(HttpContext http, string app, string environment, bool? follow, int? tail, DeliveryEngine engine, TimeProvider time, ILoggerFactory loggers)
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
                await Task.Delay(LogPoll, time, ct);
                foreach (var file in engine.LogFiles(app, environment))
                {
                    await FollowAsync(http, file, offsets, masker, ct);
                }

                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away: the normal end of a followed log.
            loggers.CreateLogger(typeof(DeliveryEndpoints)).LogsUnfollowed(app, environment);
        }
    }

    /// <summary>Writes the complete lines <paramref name="file"/> gained since its offset, masked.</summary>
    private static async Task FollowAsync(HttpContext http, string file, Dictionary<string, long> offsets, SecretMasker masker, CancellationToken ct)
    {
        var length = File.Exists(file) ? new FileInfo(file).Length : 0;
        var from = offsets.GetValueOrDefault(file);
        if (length <= from)
        {
            return;
        }

        await using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        fs.Seek(from, SeekOrigin.Begin);
        using var reader = new StreamReader(fs);
        var text = await reader.ReadToEndAsync(ct);
        var complete = text.LastIndexOf('\n');
        if (complete < 0)
        {
            return;
        }

        var name = Path.GetFileNameWithoutExtension(file);
        foreach (var line in text[..complete].Split('\n'))
        {
            await http.Response.WriteAsync(masker.Apply($"[{name}] {line}\n"), ct);
        }

        offsets[file] = from + Encoding.UTF8.GetByteCount(text[..(complete + 1)]);
    }
}
