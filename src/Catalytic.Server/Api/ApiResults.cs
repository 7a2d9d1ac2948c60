using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Problems;
using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Storage;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Server.Api;

/// <summary>How the delivery core's values become the API's contracts: deployment views and RFC 7807 problems.</summary>
internal static class ApiResults
{
    /// <summary>The API view of a deployment (events and approvals when given).</summary>
    public static DeploymentView View(Deployment d, IReadOnlyList<EventView>? events = null, IReadOnlyList<ApprovalView>? approvals = null) =>
        new(d.Id, d.App, d.Environment, d.Version, d.PreviousVersion, d.Strategy, d.State.Name(), d.Reason, d.CreatedAt, d.UpdatedAt, events, approvals, d.RequestedBy);

    /// <summary>The API view of a deployment with its whole history.</summary>
    public static async Task<DeploymentView> ViewAsync(Deployment d, IDeliveryStore store, CancellationToken ct)
    {
        var events = await store.ListEventsAsync(d.Id, ct);
        var approvals = await store.ListApprovalsAsync(d.Id, ct);
        return View(d, [.. events.Select(e => new EventView(e.At, e.State.Name(), e.Message))], [.. approvals.Select(a => new ApprovalView(a.By, a.Approved, a.At, a.Comment))]);
    }

    /// <summary>The problem document of a refusal of the delivery core.</summary>
    public static IResult Problem(DeliveryError e) => Problem(
        e.Kind switch { DeliveryErrorKind.NotFound => ApiProblems.NotFound, DeliveryErrorKind.Conflict => ApiProblems.Conflict, _ => ApiProblems.Invalid },
        e.Message, e.Field, e.Details.IsDefault ? null : e.Details);

    /// <summary>401: no credentials, or credentials the server does not accept.</summary>
    public static IResult Unauthorized(string? why = null) =>
        Problem(ApiProblems.Unauthorized, why ?? "credentials required: a bearer token (API token, or .catalytic/server.token on the server's machine) or a signed-in session", "authorization");

    /// <summary>403: the caller may not do this; <paramref name="why"/> says what it would need.</summary>
    public static IResult Forbidden(string why, string field = "authorization") => Problem(ApiProblems.Forbidden, why, field);

    /// <summary>A problem document naming the field at fault (and every detail line).</summary>
    public static IResult Problem(ProblemKind kind, string detail, string field, IReadOnlyList<string>? errors = null)
    {
        var extensions = new Dictionary<string, object?> { [ApiProblems.FieldMember] = field };
        if (errors is { Count: > 0 })
        {
            extensions[ApiProblems.ErrorsMember] = errors.ToArray();
        }

        return TypedResults.Problem(detail, statusCode: kind.Status, title: kind.Title, type: kind.Type, extensions: extensions);
    }
}
