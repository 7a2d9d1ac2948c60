using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using Catalytic.Edge.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Catalytic.Edge.Proxy;

/// <summary>
/// The per-request path of the edge: read the snapshot once, pick a version (sticky cookie or weight), pick an
/// instance, forward with YARP's <see cref="IHttpForwarder"/>, retry a refused connection elsewhere, record metrics.
/// </summary>
internal sealed class EdgeProxy
{
    /// <summary>Status recorded for requests the client abandoned (nginx's convention); not a backend error.</summary>
    private const int ClientClosedRequest = 499;

    private readonly EdgeRouter _router;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _invoker;
    private readonly ForwarderRequestConfig _config;
    private readonly ForwarderRequestConfig _h2c;
    private readonly EdgeHostOptions _options;
    private readonly TimeProvider _time;
    private readonly long _cooldownTicks;
    private readonly Microsoft.Extensions.Logging.ILogger _log;

    public EdgeProxy(EdgeRouter router, IHttpForwarder forwarder, HttpMessageInvoker invoker, EdgeHostOptions options, Microsoft.Extensions.Logging.ILogger log)
    {
        _log = log;
        _router = router;
        _forwarder = forwarder;
        _invoker = invoker;
        _options = options;
        _time = router.TimeProvider;
        _cooldownTicks = (long)(options.FailedInstanceCooldown.TotalSeconds * _time.TimestampFrequency);
        _config = new ForwarderRequestConfig
        {
            ActivityTimeout = options.RequestTimeout,
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            AllowResponseBuffering = false,
        };
        // h2c: HTTP/2 with prior knowledge over plain TCP (SocketsHttpHandler speaks it when the version is exact).
        _h2c = _config with { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
    }

    public Task HandleAsync(HttpContext context, SiteRoutes routes, EdgeListenerOptions listener)
    {
        var verdict = Relay.Http1Gate.Take(context);
        if (verdict is { Status: >= 400 })
        {
            EdgeLog.FallbackRefused(_log, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", verdict.Status, verdict.Reason);
            return FallbackGuard.RefuseAsync(context, verdict.Status, verdict.Reason);
        }

        if (verdict is not null)
        {
            context.Items[ForwardedHeaders.ConnectionOptionsKey] = verdict.ConnectionOptions;
        }

        if (FallbackGuard.Check(context) is { } refusal)
        {
            EdgeLog.FallbackRefused(_log, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", refusal.Status, refusal.Reason);
            return FallbackGuard.RefuseAsync(context, refusal.Status, refusal.Reason);
        }

        var site = routes.Single ?? routes.Find(context.Request.Host.Host.ToLowerInvariant(), context.Request.Path.Value ?? "/");
        if (site is null)
        {
            return WriteNotFoundAsync(context);
        }

        if (site.StripLength > 0)
        {
            // YARP sends Path (and the query) after the instance's prefix: the route's prefix moves to PathBase.
            var prefix = site.Match.PathPrefix;
            var rest = context.Request.Path.Value!.AsSpan(prefix.Length);
            context.Request.PathBase = context.Request.PathBase.Add(new PathString(prefix));
            context.Request.Path = rest.IsEmpty ? new PathString("/") : new PathString(rest.ToString());
        }

        context.Items[VersionTransformer.ListenerKey] = listener;
        return RouteAsync(context, site.Slot, listener, site.H2c ? _h2c : _config);
    }

    private Task RouteAsync(HttpContext context, RouteSlot slot, EdgeListenerOptions listener, ForwarderRequestConfig config)
    {
        var snapshot = slot.Current;
        if (snapshot is null || !snapshot.IsRoutable)
        {
            return slot.IsHolding(_time.GetTimestamp()) ? HoldAsync(context, slot, listener, config) : WriteUnavailableAsync(context, slot, snapshot);
        }

        string? pinnedValue = null;
        if (snapshot.StickyCookie is { } cookie && context.Request.Cookies.TryGetValue(cookie, out var value))
        {
            pinnedValue = value;
        }

        var route = Choose(snapshot, pinnedValue, out var transformer);
        return ForwardAsync(context, snapshot, route, transformer, listener, config);
    }

    /// <summary>
    /// The version a request goes to: the one its sticky cookie names when that one is routable (then no cookie is set),
    /// otherwise one drawn by weight (with the cookie that pins it when the table is sticky).
    /// </summary>
    internal static VersionRoute Choose(RouteSnapshot snapshot, string? stickyValue, out VersionTransformer transformer)
    {
        if (snapshot.StickyCookie is null)
        {
            var route = snapshot.Pick()!;
            transformer = route.Transformer;
            return route;
        }

        var pinned = stickyValue is null ? null
            : snapshot.FindRoutable(stickyValue) ?? snapshot.FindRoutable(Uri.UnescapeDataString(stickyValue));
        if (pinned is not null)
        {
            transformer = pinned.Transformer;
            return pinned;
        }

        var drawn = snapshot.Pick()!;
        transformer = drawn.StickyTransformer!;
        return drawn;
    }

    private async Task ForwardAsync(
        HttpContext context, RouteSnapshot snapshot, VersionRoute route, VersionTransformer transformer, EdgeListenerOptions listener, ForwarderRequestConfig config)
    {
        var start = _time.GetTimestamp();
        ReadTrackingStream? body = null;
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true)
        {
            body = new ReadTrackingStream(context.Request.Body, listener.RequestBodyTimeout, _time);
            context.Request.Body = body;
        }

        var instance = route.ChooseInstance(start)!;
        var retriesLeft = _options.RetryAttempts;
        while (true)
        {
            instance.Enter();
            route.Stats.Begin();
            var error = ForwarderError.RequestCreation;
            try
            {
                error = await _forwarder.SendAsync(context, instance.Prefix, _invoker, config, transformer);
            }
            finally
            {
                instance.Leave();
                if (error == ForwarderError.RequestCreation)
                {
                    // SendAsync threw (it reports failures as values, so this is unexpected): still balance the gauge.
                    route.Stats.Abandon();
                }
            }

            if (error != ForwarderError.None && retriesLeft > 0 && CanRetry(context, error, body))
            {
                if (TryRetryElsewhere(snapshot, ref route, ref instance, ref transformer, _time.GetTimestamp(), _cooldownTicks))
                {
                    context.Response.Clear();
                    context.Features.Set<IForwarderErrorFeature>(null);
                    retriesLeft--;
                    continue;
                }
            }

            var status = context.Response.StatusCode;
            var proxyFailure = false;
            if (body is { TimedOut: true } && !context.Response.HasStarted)
            {
                // The client's body stalled: its fault, answered as the relay answers it.
                context.Response.Clear();
                context.Features.Set<IForwarderErrorFeature>(null);
                status = StatusCodes.Status408RequestTimeout;
                await FallbackGuard.RefuseAsync(context, status, "the request body stalled");
            }
            else if (error != ForwarderError.None)
            {
                if (IsClientSide(error))
                {
                    status = ClientClosedRequest;
                }
                else
                {
                    proxyFailure = true;
                    transformer.Stamp(context.Response);
                }
            }

            var micros = (long)_time.GetElapsedTime(start).TotalMicroseconds;
            route.Stats.End(_router.NowSecond(), status, proxyFailure, micros);
            return;
        }
    }

    /// <summary>
    /// After <paramref name="instance"/> failed in a way another instance can take over (Kestrel's path and the relay's
    /// alike): cools it down and moves the request on — to another instance of the same version first, else to the next
    /// version in retry order — with the transformer that goes with where it lands. False when there is nowhere to go;
    /// then only the cooldown has changed.
    /// </summary>
    internal static bool TryRetryElsewhere(
        RouteSnapshot snapshot, ref VersionRoute route, ref InstanceState instance, ref VersionTransformer transformer, long now, long cooldownTicks)
    {
        instance.MarkUnavailableUntil(now + cooldownTicks);
        if (FindAlternative(snapshot, route, instance, now) is not { } next)
        {
            return false;
        }

        route.Stats.Abandon();
        transformer = ReferenceEquals(next.Route, route) ? transformer
            : snapshot.StickyCookie is null ? next.Route.Transformer : next.Route.StickyTransformer!;
        route = next.Route;
        instance = next.Instance;
        return true;
    }

    private static (VersionRoute Route, InstanceState Instance)? FindAlternative(
        RouteSnapshot snapshot, VersionRoute route, InstanceState failed, long now)
    {
        var sameVersion = route.ChooseInstance(now, exclude: failed);
        if (sameVersion is not null && sameVersion.IsAvailable(now))
        {
            return (route, sameVersion);
        }

        foreach (var other in snapshot.RetryOrder)
        {
            if (ReferenceEquals(other, route))
            {
                continue;
            }

            var candidate = other.ChooseInstance(now, exclude: failed);
            if (candidate is not null && candidate.IsAvailable(now))
            {
                return (other, candidate);
            }
        }

        return sameVersion is null ? null : (route, sameVersion);
    }

    /// <summary>
    /// Safe to send again: nothing reached the client, no byte of the request body was consumed, and either the
    /// connection was refused (the backend never saw the request) or the method is idempotent.
    /// </summary>
    private static bool CanRetry(HttpContext context, ForwarderError error, ReadTrackingStream? body)
    {
        if (error != ForwarderError.Request || context.Response.HasStarted || body is { HasRead: true }
            || context.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        if (IsConnectRefused(exception))
        {
            return true;
        }

        return IsIdempotent(context.Request.Method)
            && exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded };
    }

    private static bool IsConnectRefused(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.AddressNotAvailable })
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsIdempotent(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
        || HttpMethods.IsTrace(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method);

    private static bool IsClientSide(ForwarderError error) => error is ForwarderError.RequestCanceled
        or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
        or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
        or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeRequestClient
        or ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeResponseClient;

    /// <summary>Cold path: the environment is being restored; wait for its table (bounded by the hold) rather than refuse.</summary>
    private async Task HoldAsync(HttpContext context, RouteSlot slot, EdgeListenerOptions listener, ForwarderRequestConfig config)
    {
        RouteSnapshot? snapshot;
        try
        {
            snapshot = await slot.WaitRoutableAsync(_time, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return; // the client gave up while held
        }

        await (snapshot is { IsRoutable: true } ? RouteAsync(context, slot, listener, config) : WriteUnavailableAsync(context, slot, snapshot));
    }

    /// <summary>No environment of this listener takes the request's host and path (kamal-proxy and Traefik answer 404 too).</summary>
    private static Task WriteNotFoundAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status404NotFound;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        return response.WriteAsync(NotFoundText);
    }

    /// <summary>The body of the 404 for a host and path no environment takes (it names neither: they are the client's).</summary>
    internal const string NotFoundText = "catalytic edge: no application is served at this host and path.\n";

    private static Task WriteUnavailableAsync(HttpContext context, RouteSlot slot, RouteSnapshot? snapshot)
    {
        var reason = snapshot is null ? "no route table was applied" : snapshot.UnroutableReason();
        var response = context.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers.RetryAfter = "1";
        var text = $"catalytic edge: {slot.App}/{slot.Environment} has no version that can take traffic ({reason}).\n";
        return response.Body.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();
    }
}
