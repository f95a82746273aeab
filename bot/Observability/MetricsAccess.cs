using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SupportBot.Api;

namespace SupportBot.Observability;

/// <summary>
/// Who may read <c>/metrics</c>: a caller on this machine (not relayed by a proxy), anyone when
/// <c>Metrics:AllowAnonymous</c> is on, else only with a key from <c>Metrics:Keys</c> or <c>Api:Keys</c>
/// (as <c>Authorization: Bearer</c>, which Prometheus sends, or <c>X-Api-Key</c>).
/// </summary>
internal static class MetricsAccess
{
    /// <summary>Runs in front of the Prometheus exporter: lets the scrape through or answers 401.</summary>
    public static async Task GateAsync(HttpContext context, Func<Task> next)
    {
        var services = context.RequestServices;
        if (Allowed(context, services.GetRequiredService<IOptions<MetricsOptions>>().Value, services.GetRequiredService<IOptions<ApiOptions>>().Value))
        {
            await next();
            return;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        await Problems.Unauthorized(
            "/metrics is open to this machine only. From elsewhere send 'Authorization: Bearer <key>' with a key from Metrics:Keys or Api:Keys, or set Metrics:AllowAnonymous.")
            .ExecuteAsync(context);
    }

    internal static bool Allowed(HttpContext context, MetricsOptions metrics, ApiOptions api)
    {
        if (metrics.AllowAnonymous || IsLocal(context))
        {
            return true;
        }

        var presented = PresentedKey(context.Request);
        return presented.Length > 0 && metrics.Keys.Concat(api.Keys).Any(key => Matches(presented, key));
    }

    /// <summary>
    /// Loopback, and not relayed: a reverse proxy on this machine makes every visitor look local, so a
    /// request that carries a forwarding header (or carried one, before UseForwardedHeaders read it) is not.
    /// </summary>
    internal static bool IsLocal(HttpContext context)
    {
        var headers = context.Request.Headers;
        return context.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip)
            && !headers.ContainsKey("X-Forwarded-For") && !headers.ContainsKey("X-Original-For") && !headers.ContainsKey("Forwarded");
    }

    private static string PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization[7..].Trim()
            : request.Headers[ApiKeyAuthenticationHandler.HeaderName].ToString();
    }

    /// <summary>Digests first, so neither content nor length leaks through timing.</summary>
    private static bool Matches(string presented, string key) =>
        !string.IsNullOrEmpty(key) && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
