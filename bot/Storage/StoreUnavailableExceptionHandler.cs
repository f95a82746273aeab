using Microsoft.AspNetCore.Diagnostics;
using StackExchange.Redis;

namespace SupportBot.Storage;

/// <summary>
/// Redis away (restarting, failing over, still loading its data) is a temporary state, not a bug: requests
/// get 503 with Retry-After, so Telegram, VK and Direct Line clients retry instead of treating it as a 500.
/// </summary>
internal sealed class StoreUnavailableExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!StoreOutage.IsOutage(exception))
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "1";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Storage unavailable",
                Detail = "The store is not reachable right now; try again in a moment.",
            },
        });
    }
}
