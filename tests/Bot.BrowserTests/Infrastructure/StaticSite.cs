using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.BrowserTests.Infrastructure;

/// <summary>
/// A customer's web site on its own loopback port (another origin than the bot host): serves
/// fixed files from memory or disk, nothing else. Pages on it reach the host only through CORS.
/// </summary>
public sealed class StaticSite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StaticSite(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The site's origin, e.g. <c>http://127.0.0.1:40001</c>.</summary>
    public string Url { get; }

    /// <param name="files">Path (e.g. <c>/</c>) to a content type and a way to write the body.</param>
    public static async Task<StaticSite> StartAsync(IReadOnlyDictionary<string, (string ContentType, Func<HttpResponse, Task> Write)> files)
    {
        // An empty builder: no appsettings.json (the host's, copied next to the tests, sets Urls).
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(async context =>
        {
            if (!files.TryGetValue(context.Request.Path.Value ?? "/", out var file))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            context.Response.ContentType = file.ContentType;
            context.Response.Headers.CacheControl = "no-store";
            await file.Write(context.Response);
        });
        await app.StartAsync(Ct);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new StaticSite(app, address.Replace("//[::1]", "//127.0.0.1", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
