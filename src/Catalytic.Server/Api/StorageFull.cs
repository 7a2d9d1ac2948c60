using Catalytic.Contracts.Problems;
using Catalytic.Server.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Catalytic.Server.Api;

/// <summary>
/// A full disk under the server's state (SQLite's SQLITE_FULL, PostgreSQL's disk_full, ENOSPC from a file write): a
/// request that needed to write is answered 503 with the reason, instead of a bare 500, so a worker keeps its log lines
/// and retries (it does on any 5xx) and a person reads what to fix. The transaction that failed was rolled back: nothing
/// half-written is left. Reads go on answering as usual.
/// </summary>
internal static class StorageFull
{
    private const int SqliteFull = 13;
    private const int Enospc = 28;

    /// <summary>Whether <paramref name="e"/> (or what caused it) says the storage has no room left.</summary>
    public static bool Is(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            var full = e switch
            {
                Microsoft.Data.Sqlite.SqliteException s => s.SqliteErrorCode == SqliteFull,
                Npgsql.PostgresException p => p.SqlState == Npgsql.PostgresErrorCodes.DiskFull,
                IOException io => (io.HResult & 0xFFFF) == Enospc || io.Message.Contains("No space left on device", StringComparison.Ordinal),
                _ => false,
            };
            if (full)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Answers requests that failed for a full storage with 503 and logs why.</summary>
    public static IApplicationBuilder UseStorageFullAnswers(this IApplicationBuilder app, ILogger log) => app.Use(async (http, next) =>
    {
        try
        {
            await next(http);
        }
        catch (Exception e) when (Is(e) && !http.Response.HasStarted)
        {
            log.StorageFull(http.Request.Method, http.Request.Path.Value ?? "", e.Message);
            http.Response.Clear();
            await ApiResults.Problem(new ProblemKind(StatusCodes.Status503ServiceUnavailable, "storage full"),
                "the server's disk is full, so it cannot record this now; nothing was changed. Retry once there is room: " + e.Message,
                "storage").ExecuteAsync(http);
        }
    });
}
