namespace SupportBot.Security;

/// <summary>
/// Headers on every response: no MIME sniffing, no framing, no referrer to other sites, and a
/// Content-Security-Policy — for pages (the demo page, the console) scripts and connections from
/// this host only; for everything else (the API, files, the widget script) nothing may run at all.
/// </summary>
internal static class SecurityHeaders
{
    /// <summary>
    /// Pages: no inline scripts or plug-ins, nothing framed or framing us, images also from https
    /// (customer photos). Inline styles are allowed: the widget styles its shadow root with a
    /// &lt;style&gt; element. <c>connect-src 'self'</c> covers the same-origin WebSockets (chat stream, Blazor).
    /// </summary>
    public const string PagePolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; " +
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Anything that is not a page: a JSON answer, or a customer's attachment opened from the console, can run nothing.</summary>
    public const string NoContentPolicy = "default-src 'none'; frame-ancestors 'none'; sandbox";

    public static Task ApplyAsync(HttpContext context, Func<Task> next)
    {
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin";
            // Pages always get ours (Blazor's own is only frame-ancestors 'self'); anything else keeps a policy it set itself.
            if (http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true && !http.Request.Path.StartsWithSegments("/api"))
            {
                headers.ContentSecurityPolicy = PagePolicy;
            }
            else if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
            {
                headers.ContentSecurityPolicy = NoContentPolicy;
            }

            return Task.CompletedTask;
        }, context);
        return next();
    }
}
