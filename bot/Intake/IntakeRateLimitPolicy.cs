using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SupportBot.Api;
using SupportBot.Security;

namespace SupportBot.Intake;

/// <summary>
/// Submissions per minute per site and client address (an IPv6 client's /64; ASP.NET Core's rate limiter, a fixed
/// window per host instance). A request whose key is no site's shares one partition per address. Over the limit: 429 with
/// <c>Retry-After</c> and a problem-details body.
/// </summary>
internal sealed class IntakeRateLimitPolicy(IOptions<IntakeOptions> options) : IRateLimiterPolicy<string>
{
    public const string Name = "intake-form";

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        var settings = options.Value;
        var site = settings.SiteForKey(httpContext.Request.Headers[ApiKeyAuthenticationHandler.HeaderName].ToString());
        var perMinute = site?.RequestsPerMinutePerIp ?? settings.RequestsPerMinutePerIp;
        var address = IngressRateLimits.ClientKey(httpContext.Connection.RemoteIpAddress);
        return RateLimitPartition.GetFixedWindowLimiter(
            (site?.Name ?? "") + "|" + address,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
    }

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = (rejected, _) =>
        IngressRateLimits.WriteTooManyRequestsAsync(rejected, "Too many submissions from this address");
}
