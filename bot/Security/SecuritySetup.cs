using System.Net;
using Microsoft.AspNetCore.CookiePolicy;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.Extensions.Options;

namespace SupportBot.Security;

/// <summary>
/// What protects every endpoint: the client's real address and scheme behind a known proxy,
/// security headers, HSTS, cookie rules (HttpOnly, SameSite, Secure) and the ingress rate limits.
/// </summary>
public static class SecuritySetup
{
    public static IHostApplicationBuilder AddSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SecurityOptions>, SecurityOptionsValidator>();
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<SecurityOptions>>((forwarded, security) =>
        {
            // Loopback proxies are trusted by default; the configured ones are added to them.
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var proxy in security.Value.KnownProxies)
            {
                if (IPAddress.TryParse(proxy, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
                else if (System.Net.IPNetwork.TryParse(proxy, out var network))
                {
                    forwarded.KnownIPNetworks.Add(network);
                }
            }
        });

        builder.Services.AddOptions<CookiePolicyOptions>().Configure<IOptions<SecurityOptions>>((cookies, security) =>
        {
            cookies.HttpOnly = HttpOnlyPolicy.Always;
            cookies.MinimumSameSitePolicy = SameSiteMode.Lax;
            // Behind a configured proxy the browser's side is HTTPS even when the proxy talks HTTP to us.
            cookies.Secure = security.Value.KnownProxies.Length > 0 ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        });

        builder.Services.AddOptions<HstsOptions>().Configure<IOptions<SecurityOptions>>((hsts, security) =>
            hsts.MaxAge = TimeSpan.FromDays(security.Value.HstsMaxAgeDays));

        builder.Services.AddRateLimiter(IngressRateLimits.Configure);
        return builder;
    }

    /// <summary>First in the pipeline: everything after sees the real client and gets the headers.</summary>
    public static WebApplication UseSecurity(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.Use(SecurityHeaders.ApplyAsync);
        // Options are read per request, not here: a wrong value is reported by the start-up check in one line.
        app.UseWhen(context => context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.HstsMaxAgeDays > 0, hsts => hsts.UseHsts());

        app.UseCookiePolicy();
        return app;
    }
}

internal sealed class SecurityOptionsValidator : IValidateOptions<SecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityOptions options) =>
        options.Validate() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}
