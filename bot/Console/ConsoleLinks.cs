namespace SupportBot.AgentConsole;

/// <summary>
/// What the console may put in an href or an img src: an http(s) URL, or a path on this host (our
/// Telegram file proxy, which the agent's sign-in opens). Never javascript:, data: and the like.
/// </summary>
public static class ConsoleLinks
{
    public static string? Safe(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }

        if (url.StartsWith('/'))
        {
            // "//host" and "/\host" would leave this host.
            return url.Length > 1 && url[1] is '/' or '\\' ? null : url;
        }

        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? url : null;
    }
}
