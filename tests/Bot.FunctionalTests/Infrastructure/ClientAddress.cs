using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace SupportBot.FunctionalTests.Infrastructure;

/// <summary>
/// The test server has no network peer: this sets the connection's remote address from a test header,
/// before the host's own middleware runs, so per-address rules (rate limits, loopback) can be exercised.
/// </summary>
public static class ClientAddress
{
    public const string Header = "X-Test-Remote-Ip";

    public static void Register(IServiceCollection services) => services.AddSingleton<IStartupFilter, Filter>();

    public static HttpRequestMessage From(this HttpRequestMessage request, string address)
    {
        request.Headers.Add(Header, address);
        return request;
    }

    private sealed class Filter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                if (context.Request.Headers.TryGetValue(Header, out var address) && IPAddress.TryParse(address, out var ip))
                {
                    context.Connection.RemoteIpAddress = ip;
                    context.Request.Headers.Remove(Header);
                }

                return following();
            });
            next(app);
        };
    }
}
