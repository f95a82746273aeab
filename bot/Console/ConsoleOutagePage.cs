using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Localization;
using SupportBot.Storage;

namespace SupportBot.AgentConsole;

/// <summary>
/// An agent who opens or reloads a console page while Redis restarts gets a page that says so and loads itself again
/// in a few seconds, not the JSON problem that API clients and channels get for the same outage.
/// </summary>
internal sealed class ConsoleOutagePage(IStringLocalizer<ConsoleText> text) : IExceptionHandler
{
    public const int RetrySeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var request = httpContext.Request;
        if (!StoreOutage.IsOutage(exception)
            || !request.Path.StartsWithSegments(ConsoleSetup.Path)
            || !request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
            || httpContext.Response.HasStarted)
        {
            return false;
        }

        // The request's language middleware ran further down the pipeline; its culture does not flow back up to here.
        var language = CookieRequestCultureProvider.ParseCookieValue(request.Cookies[ConsoleSetup.CultureCookie] ?? "")?.UICultures.FirstOrDefault().Value;
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(language is not null && ConsoleSetup.Languages.Contains(language) ? language : "en");
        string html;
        try
        {
            html = $"""
                <!DOCTYPE html>
                <html lang="{CultureInfo.CurrentUICulture.TwoLetterISOLanguageName}">
                <head>
                <meta charset="utf-8">
                <meta http-equiv="refresh" content="{RetrySeconds}">
                <title>{WebUtility.HtmlEncode(text["Title"])}</title>
                <link rel="stylesheet" href="/console/console.css">
                </head>
                <body>
                <main><p class="error" role="alert" data-testid="console-unavailable">{WebUtility.HtmlEncode(text["ConsoleUnavailable", RetrySeconds])}</p></main>
                </body>
                </html>
                """;
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }

        httpContext.Response.Clear();
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetrySeconds.ToString(CultureInfo.InvariantCulture);
        httpContext.Response.Headers.CacheControl = "no-store";
        httpContext.Response.ContentType = "text/html; charset=utf-8";
        await httpContext.Response.WriteAsync(html, cancellationToken);
        return true;
    }
}
