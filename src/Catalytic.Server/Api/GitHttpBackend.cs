using System.Diagnostics;
using System.Text;
using Catalytic.Contracts.Workers;
using Catalytic.Pipelines.Workers.Protocol;
using Catalytic.Pipelines.Workers.Serving;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Server.Api;

/// <summary>
/// The server's mirrors (<c>STATE/repositories/NAME.git</c>) served read-only to workers over git's smart HTTP by git
/// itself: <c>git http-backend</c> run as a CGI program per request (the protocol, its negotiation, packs and protocol
/// v2 are git's, not re-implemented here). Only fetching is served — <c>info/refs?service=git-upload-pack</c> and
/// <c>git-upload-pack</c>; pushing and the dumb protocol's files are refused. Each request carries, besides the
/// worker's credential, a lease it holds (<see cref="LeaseHeader"/>) on a job of that repository, so a worker reads
/// only the repositories of the jobs it runs. Any commit of the mirror may be asked for by id (the job names one).
/// </summary>
internal sealed class GitHttpBackend(string repositories)
{
    /// <summary>The request header naming the lease a fetch is for.</summary>
    public const string LeaseHeader = WorkerRoutes.LeaseHeader;

    public async Task ServeAsync(HttpContext http, string repository, string path, string credential, CancellationToken ct)
    {
        var opened = LeaseSeals.Open(http.Request.Headers[LeaseHeader].ToString(), credential);
        var service = http.Request.Query["service"].ToString();
        WorkerProblem? refusal =
            !IsName(repository) ? WorkerProblem.Invalid("repository", "a repository name is letters, digits, '.', '_' and '-'")
            : opened is null ? new WorkerProblem(403, "lease", $"a fetch carries {LeaseHeader}: a lease of this credential on a job of the repository")
            : opened.Repository != repository ? new WorkerProblem(403, "lease", $"the lease is for a job of another repository than '{repository}'")
            : (path, http.Request.Method, service) switch
            {
                ("info/refs", "GET", "git-upload-pack") or ("git-upload-pack", "POST", "") => null,
                (_, _, "git-receive-pack") or ("git-receive-pack", _, _) => new WorkerProblem(403, "path", "the server's repositories are read-only for workers"),
                _ => new WorkerProblem(404, "path", "only git's smart HTTP fetch is served (info/refs?service=git-upload-pack, git-upload-pack)"),
            };
        var root = Path.GetFullPath(repositories);
        if (refusal is null && !Directory.Exists(Path.Combine(root, repository + ".git")))
        {
            refusal = new WorkerProblem(404, "repository", $"no repository '{repository}' on this server");
        }

        if (refusal is not null)
        {
            await WorkerEndpoints.Problem(refusal).ExecuteAsync(http);
            return;
        }

        var psi = new ProcessStartInfo("git")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("http-backend");
        var env = psi.Environment;
        env["GIT_PROJECT_ROOT"] = root;
        env["GIT_HTTP_EXPORT_ALL"] = "1";
        env["PATH_INFO"] = "/" + repository + ".git/" + path;
        env["REQUEST_METHOD"] = http.Request.Method;
        env["QUERY_STRING"] = http.Request.QueryString.HasValue ? http.Request.QueryString.Value![1..] : "";
        env["CONTENT_TYPE"] = http.Request.ContentType ?? "";
        env["REMOTE_USER"] = "worker";
        env["REMOTE_ADDR"] = http.Connection.RemoteIpAddress?.ToString() ?? "";
        env["GIT_PROTOCOL"] = http.Request.Headers["Git-Protocol"].ToString();
        env["HTTP_CONTENT_ENCODING"] = http.Request.Headers.ContentEncoding.ToString();
        if (http.Request.ContentLength is { } length)
        {
            env["CONTENT_LENGTH"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        // Read-only whatever the mirror's config says; a job names its commit by id, which need not be a ref's tip.
        env["GIT_CONFIG_COUNT"] = "2";
        env["GIT_CONFIG_KEY_0"] = "http.receivepack";
        env["GIT_CONFIG_VALUE_0"] = "false";
        env["GIT_CONFIG_KEY_1"] = "uploadpack.allowAnySHA1InWant";
        env["GIT_CONFIG_VALUE_1"] = "true";

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("git http-backend did not start");
        await using var kill = ct.Register(() => Kill(process));
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var input = Task.Run(async () =>
        {
            try
            {
                await http.Request.Body.CopyToAsync(process.StandardInput.BaseStream, ct);
            }
            finally
            {
                process.StandardInput.Close();
            }
        }, CancellationToken.None);

        var output = process.StandardOutput.BaseStream;
        var (headers, rest) = await ReadHeadersAsync(output, ct);
        if (headers is null)
        {
            Kill(process);
            await WorkerEndpoints.Problem(new WorkerProblem(502, "git", "git http-backend answered no CGI headers: " + (await stderr).Trim())).ExecuteAsync(http);
            return;
        }

        http.Response.StatusCode = 200;
        foreach (var line in headers)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var (name, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                http.Response.StatusCode = int.TryParse(value.Split(' ')[0], out var status) ? status : 500;
            }
            else
            {
                http.Response.Headers.Append(name, value);
            }
        }

        await http.Response.Body.WriteAsync(rest, ct);
        await output.CopyToAsync(http.Response.Body, ct);
        await process.WaitForExitAsync(ct);
        await input;
    }

    /// <summary>A served repository's name: a folder name and nothing that leaves the folder.</summary>
    private static bool IsName(string name) =>
        name.Length is > 0 and <= 200 && name[0] != '.' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>The CGI header lines (up to the blank line) and the body bytes read past them; null headers when the output ended first.</summary>
    private static async Task<(List<string>? Headers, ReadOnlyMemory<byte> Body)> ReadHeadersAsync(Stream output, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await output.ReadAsync(buffer.AsMemory(filled), ct);
            if (n == 0)
            {
                return (null, default);
            }

            filled += n;
            var text = Encoding.Latin1.GetString(buffer, 0, filled);
            var (end, separator) = text.IndexOf("\r\n\r\n", StringComparison.Ordinal) is >= 0 and var crlf ? (crlf, 4) : (text.IndexOf("\n\n", StringComparison.Ordinal), 2);
            if (end >= 0)
            {
                var lines = text[..end].Split('\n').Select(l => l.TrimEnd('\r')).ToList();
                return (lines, buffer.AsMemory(end + separator, filled - end - separator));
            }
        }

        return (null, default);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has exited already.
        }
    }
}
