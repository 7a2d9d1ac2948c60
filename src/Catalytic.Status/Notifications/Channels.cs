using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Catalytic.Status.Config;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Catalytic.Status.Notifications;

/// <summary>The outcome of one attempt to send.</summary>
/// <param name="RetryAfter">Set when the receiver said when to come back (Slack's 429 Retry-After).</param>
/// <param name="Permanent">The receiver refused the message itself (4xx other than 408/429): retrying cannot help.</param>
public sealed record SendOutcome(bool Sent, string? Error = null, TimeSpan? RetryAfter = null, bool Permanent = false)
{
    /// <summary>Delivered.</summary>
    public static SendOutcome Ok { get; } = new(true);
}

/// <summary>Resolves a secret by name: CATALYTIC_SECRET_NAME in the server's environment, or .catalytic/secrets/NAME (as deployments do).</summary>
public sealed class SecretSource(string stateDirectory)
{
    /// <summary>The value, or null when unset.</summary>
    public string? Get(string name)
    {
        if (!ValidName(name))
        {
            return null;
        }

        if (Environment.GetEnvironmentVariable("CATALYTIC_SECRET_" + name.ToUpperInvariant().Replace('-', '_').Replace('.', '_')) is { Length: > 0 } v)
        {
            return v;
        }

        var file = Path.Combine(stateDirectory, "secrets", name);
        return File.Exists(file) ? File.ReadAllText(file).TrimEnd('\n', '\r') : null;
    }

    /// <summary>A secret's name is a file name in secrets/, never a path out of it.</summary>
    public static bool ValidName(string name) =>
        name.Length is > 0 and <= 100 && char.IsAsciiLetterOrDigit(name[0]) && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.');
}

/// <summary>
/// Sends a rendered <see cref="Notification"/> to one configured channel: Slack (attachments coloured by severity
/// holding blocks), email through MailKit (plain text and HTML), or a webhook (Alertmanager's version-4 payload or
/// Catalytic's own JSON, signed with HMAC-SHA256 when a secret is named). Errors returned never hold a credential.
/// </summary>
public sealed class ChannelSender(HttpClient http, SecretSource secrets, TimeProvider time)
{
    /// <summary>Sends <paramref name="n"/> through <paramref name="channel"/>.</summary>
    public async Task<SendOutcome> SendAsync(ChannelConfig channel, Notification n, long messageId, CancellationToken ct)
    {
        var secretValues = new List<string>();
        try
        {
            if (channel.Slack is { } slack)
            {
                var url = slack.WebhookUrl ?? secrets.Get(slack.WebhookUrlSecret!);
                if (url is null)
                {
                    return new SendOutcome(false, $"secret '{slack.WebhookUrlSecret}' (the Slack webhook URL) is not set");
                }

                secretValues.Add(url);
                return await PostAsync(new Uri(url), MessageRenderer.Slack(n), null, messageId, ct);
            }

            if (channel.Webhook is { } hook)
            {
                string? key = null;
                if (hook.SecretName is { } name && (key = secrets.Get(name)) is null)
                {
                    return new SendOutcome(false, $"secret '{name}' (the webhook's signing key) is not set");
                }

                if (key is not null)
                {
                    secretValues.Add(key);
                }

                var body = hook.Format == "catalytic" ? JsonSerializer.Serialize(n, Contracts.StatusJson.Default.Notification) : MessageRenderer.AlertmanagerV4(n);
                return await PostAsync(new Uri(hook.Url), body, key, messageId, ct);
            }

            var email = channel.Email!;
            string? password = null;
            if (email.PasswordSecret is { } pw && (password = secrets.Get(pw)) is null)
            {
                return new SendOutcome(false, $"secret '{pw}' (the SMTP password) is not set");
            }

            if (password is not null)
            {
                secretValues.Add(password);
            }

            await SendMailAsync(email, password, n, ct);
            return SendOutcome.Ok;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or SmtpCommandException or SmtpProtocolException or AuthenticationException or System.Net.Sockets.SocketException or OperationCanceledException or SslHandshakeException && !ct.IsCancellationRequested)
        {
            // Exception texts may quote the URL (whose path is the Slack token) or an SMTP reply: mask what is secret.
            var message = Catalytic.Platform.Secrets.SecretMasker.Apply(e.Message, secretValues);
            var permanent = e is AuthenticationException || e is SmtpCommandException { StatusCode: >= (MailKit.Net.Smtp.SmtpStatusCode)500 and not MailKit.Net.Smtp.SmtpStatusCode.MailboxBusy };
            return new SendOutcome(false, message, Permanent: permanent);
        }
    }

    private async Task<SendOutcome> PostAsync(Uri url, string body, string? signingKey, long messageId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("X-Catalytic-Notification", messageId.ToString(CultureInfo.InvariantCulture));
        if (signingKey is not null)
        {
            var stamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.UTF8.GetBytes(stamp + "." + body));
            request.Headers.TryAddWithoutValidation("X-Catalytic-Timestamp", stamp);
            request.Headers.TryAddWithoutValidation("X-Catalytic-Signature", "sha256=" + Convert.ToHexStringLower(mac));
        }

        using var deadline = Checks.Probes.ProbeSet.Deadline(TimeSpan.FromSeconds(15), time, ct);
        using var response = await http.SendAsync(request, deadline.Token);
        if (response.IsSuccessStatusCode)
        {
            return SendOutcome.Ok;
        }

        var code = (int)response.StatusCode;
        TimeSpan? retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } d } => d,
            { Date: { } at } => at - time.GetUtcNow(),
            _ => null,
        };
        var permanent = code is >= 400 and < 500 and not (408 or 429);
        return new SendOutcome(false, $"{url.Host} answered {code} {response.ReasonPhrase}", retryAfter, permanent);
    }

    private async Task SendMailAsync(EmailChannelConfig email, string? password, Notification n, CancellationToken ct)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(email.From));
        foreach (var to in email.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        message.Subject = n.Title;
        message.Headers.Add("X-Catalytic-Severity", n.Severity);
        var (text, html) = MessageRenderer.Email(n);
        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        using var smtp = new SmtpClient { Timeout = 15_000 };
        var options = email.Tls switch
        {
            SmtpTls.None => SecureSocketOptions.None,
            SmtpTls.Tls => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTls,
        };
        await smtp.ConnectAsync(email.Host, email.Port, options, ct);
        if (email.Username is not null && password is not null)
        {
            await smtp.AuthenticateAsync(email.Username, password, ct);
        }

        await smtp.SendAsync(message, ct);
        await smtp.DisconnectAsync(quit: true, ct);
    }
}

/// <summary>Formats a notification for each channel kind.</summary>
public static class MessageRenderer
{
    /// <summary>Colour of a severity in Slack (danger red, warning amber, good green for resolved).</summary>
    public static string Colour(Notification n) => n.Kind == "resolved" ? "#2eb886" : n.Severity switch
    {
        "critical" => "#d00000",
        "warning" => "#daa038",
        _ => "#439fe0",
    };

    /// <summary>Slack incoming-webhook JSON: a fallback text and one attachment (the colour) holding the blocks.</summary>
    public static string Slack(Notification n)
    {
        var blocks = new JsonArray { (JsonNode)Section($"*{Escape(n.Title)}*") };
        foreach (var a in n.Alerts.Take(20))
        {
            var line = new StringBuilder();
            line.Append(a.Status == "firing" ? ":red_circle: " : ":large_green_circle: ").Append('*').Append(Escape(a.Annotations.GetValueOrDefault("summary", a.Labels.GetValueOrDefault("alertname", "")))).Append('*');
            if (a.Annotations.GetValueOrDefault("description") is { } d)
            {
                line.Append('\n').Append(Escape(d));
            }

            line.Append("\n`").Append(string.Join("` `", a.Labels.Where(l => l.Key != "alertname").Select(l => $"{l.Key}={l.Value}"))).Append('`');
            if (a.Annotations.GetValueOrDefault("link") is { } link)
            {
                line.Append("\n<").Append(link).Append("|Open in Catalytic>");
            }

            if (a.Annotations.GetValueOrDefault("runbook") is { } runbook)
            {
                line.Append("\n<").Append(runbook).Append("|Runbook>");
            }

            line.Append("\nid `").Append(a.Id).Append("` · since ").Append(a.StartsAt.ToString("u", CultureInfo.InvariantCulture));
            blocks.Add((JsonNode)Section(line.ToString()));
        }

        if (n.Text is { } text)
        {
            blocks.Add((JsonNode)Section("```" + Escape(text) + "```"));
        }

        var root = new JsonObject
        {
            ["text"] = n.Title,
            ["attachments"] = new JsonArray { (JsonNode)new JsonObject { ["color"] = Colour(n), ["fallback"] = n.Title, ["blocks"] = blocks } },
        };
        return root.ToJsonString();
    }

    /// <summary>Alertmanager's webhook payload, version 4, so any Alertmanager receiver understands it.</summary>
    public static string AlertmanagerV4(Notification n)
    {
        var alerts = new JsonArray();
        foreach (var a in n.Alerts)
        {
            alerts.Add((JsonNode)new JsonObject
            {
                ["status"] = a.Status,
                ["labels"] = Object(a.Labels),
                ["annotations"] = Object(a.Annotations),
                ["startsAt"] = a.StartsAt.ToString("o", CultureInfo.InvariantCulture),
                ["endsAt"] = (a.EndsAt ?? DateTimeOffset.UnixEpoch.AddYears(-1969)).ToString("o", CultureInfo.InvariantCulture),
                ["generatorURL"] = a.Annotations.GetValueOrDefault("link") ?? n.ExternalUrl ?? "",
                ["fingerprint"] = a.Fingerprint,
            });
        }

        var root = new JsonObject
        {
            ["version"] = "4",
            ["groupKey"] = n.GroupKey,
            ["truncatedAlerts"] = 0,
            ["status"] = n.Alerts.Any(a => a.Status == "firing") ? "firing" : "resolved",
            ["receiver"] = n.Receiver,
            ["groupLabels"] = Object(n.GroupLabels),
            ["commonLabels"] = Object(n.CommonLabels),
            ["commonAnnotations"] = Object(n.Alerts.Count == 0 ? new Dictionary<string, string>()
                : n.Alerts[0].Annotations.Where(x => n.Alerts.All(a => a.Annotations.GetValueOrDefault(x.Key) == x.Value)).ToDictionary(x => x.Key, x => x.Value)),
            ["externalURL"] = n.ExternalUrl ?? "",
            ["alerts"] = alerts,
        };
        return root.ToJsonString();
    }

    /// <summary>Plain-text and HTML bodies of an email.</summary>
    public static (string Text, string Html) Email(Notification n)
    {
        if (n.Text is not null)
        {
            return (n.Text, n.Html ?? "<pre>" + WebUtility.HtmlEncode(n.Text) + "</pre>");
        }

        var text = new StringBuilder().AppendLine(n.Title).AppendLine();
        var html = new StringBuilder($"<h2 style=\"color:{Colour(n)}\">{WebUtility.HtmlEncode(n.Title)}</h2>");
        foreach (var a in n.Alerts)
        {
            var summary = a.Annotations.GetValueOrDefault("summary", a.Labels.GetValueOrDefault("alertname", ""));
            text.Append(a.Status.ToUpperInvariant()).Append(": ").AppendLine(summary);
            html.Append("<h3>").Append(WebUtility.HtmlEncode(a.Status.ToUpperInvariant() + ": " + summary)).Append("</h3><ul>");
            if (a.Annotations.GetValueOrDefault("description") is { } d)
            {
                text.AppendLine(d);
                html.Append("<li>").Append(WebUtility.HtmlEncode(d)).Append("</li>");
            }

            foreach (var (k, v) in a.Labels)
            {
                text.Append("  ").Append(k).Append(": ").AppendLine(v);
                html.Append("<li><b>").Append(WebUtility.HtmlEncode(k)).Append("</b>: ").Append(WebUtility.HtmlEncode(v)).Append("</li>");
            }

            foreach (var key in (ReadOnlySpan<string>)["link", "runbook"])
            {
                if (a.Annotations.GetValueOrDefault(key) is { } url)
                {
                    text.Append("  ").Append(key).Append(": ").AppendLine(url);
                    html.Append("<li><a href=\"").Append(WebUtility.HtmlEncode(url)).Append("\">").Append(key).Append("</a></li>");
                }
            }

            text.Append("  id: ").Append(a.Id).Append("  since: ").AppendLine(a.StartsAt.ToString("u", CultureInfo.InvariantCulture)).AppendLine();
            html.Append("<li>id <code>").Append(a.Id).Append("</code> since ").Append(a.StartsAt.ToString("u", CultureInfo.InvariantCulture)).Append("</li></ul>");
        }

        return (text.ToString(), html.ToString());
    }

    private static JsonObject Section(string markdown) => new()
    {
        ["type"] = "section",
        ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = markdown.Length > 2900 ? markdown[..2900] + "…" : markdown },
    };

    private static JsonObject Object(IReadOnlyDictionary<string, string> map)
    {
        var o = new JsonObject();
        foreach (var (k, v) in map.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            o[k] = v;
        }

        return o;
    }

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
