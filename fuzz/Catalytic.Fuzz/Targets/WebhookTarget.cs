using System.Text;
using Catalytic.Pipelines.Events;
using Catalytic.Pipelines.Webhooks;

namespace Catalytic.Fuzz.Targets;

/// <summary>
/// A webhook delivery's untrusted half: the input's first line is the signature header, the rest the body. The
/// signature is checked (<see cref="WebhookSignature.Verify"/>), the body read as JSON and as a push and a pull request
/// (<see cref="WebhookPayloads"/>) and the actor fields read as the handler reads them. Every outcome is a value or an
/// error message; an exception is a crash, and so is a payload accepted with a ref or commit id that is not one.
/// </summary>
internal sealed class WebhookTarget : IFuzzTarget
{
    public string Name => "webhook";

    public void Run(ReadOnlySpan<byte> input)
    {
        var newline = input.IndexOf((byte)'\n');
        var signature = newline < 0 ? "" : Encoding.UTF8.GetString(input[..newline]);
        var body = newline < 0 ? input : input[(newline + 1)..];
        WebhookSignature.Verify("fuzz-secret", body, signature);
        if (WebhookPayloads.ReadObject(body, out var error) is not { } payload)
        {
            Require(error is { Length: > 0 }, "an unreadable body without an error");
            return;
        }

        _ = Payload.Text(payload, "sender", "login") ?? Payload.Text(payload, "pusher", "name");
        if (WebhookPayloads.ReadPush(payload, out error) is { } push)
        {
            Require(push.Ref.StartsWith("refs/", StringComparison.Ordinal) && !push.Ref.Contains("..", StringComparison.Ordinal), $"an unsafe ref accepted: {push.Ref}");
            Require(push.After.Length is 40 or 64 && push.Before.Length is 40 or 64, "a commit id of the wrong length accepted");
        }
        else
        {
            Require(error is { Length: > 0 }, "a refused push without an error");
        }

        if (WebhookPayloads.ReadPullRequest(payload, out error) is { } pr)
        {
            Require(pr.Number > 0 && pr.HeadSha.Length is 40 or 64 && pr.BaseRef.Length > 0, "an invalid pull request accepted");
        }
        else
        {
            Require(error is { Length: > 0 }, "a refused pull request without an error");
        }
    }

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(what);
        }
    }
}
