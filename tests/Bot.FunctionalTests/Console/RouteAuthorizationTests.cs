using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Console;

/// <summary>
/// Walks the host's whole route table as an anonymous caller: every console page and API route must refuse
/// (401, or a redirect to the login for pages) unless it is on the short list of public routes below.
/// A new endpoint that forgets its authorization fails here.
/// </summary>
public sealed class RouteAuthorizationTests(BotHostFixture<RedisServerFixture> host) : IClassFixture<BotHostFixture<RedisServerFixture>>
{
    /// <summary>Public on purpose: the demo page and widget, health, the visitor-token and Direct Line routes (their own token check is tested elsewhere), the login, Blazor's framework files and circuit hub.</summary>
    private static readonly string[] PublicPrefixes =
    [
        "/healthz", "/readyz", "/api/webchat/token", "/v3/directline", "/console/login", "/_blazor", "/_framework",
    ];

    /// <summary>
    /// The channels' webhooks, exactly these routes and methods: each checks its network's secret instead of our sign-in
    /// (Telegram's header, the VK community's Callback API secret; 403 when wrong, 404 for a bot or community that does not
    /// receive updates this way), tested in Channels/Telegram and Channels/Vk. Every other route under them is walked.
    /// </summary>
    private static readonly (string Method, string Pattern)[] ChannelWebhooks =
    [
        ("POST", "/api/channels/telegram/{name}"),
        ("POST", "/api/channels/vk/{name}"),
    ];

    [Fact]
    public async Task EveryConsoleAndApiRoute_RefusesAnAnonymousCaller()
    {
        var client = host.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var routes = host.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (
                Pattern: "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'),
                e.DisplayName,
                Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"],
                ContentType: e.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes.FirstOrDefault() ?? "application/json"))
            .Where(r => !IsStaticFile(r.Pattern) && r.Pattern != "/" && !PublicPrefixes.Any(p => r.Pattern.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        Assert.Contains(routes, r => r.Pattern.StartsWith("/console", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Pattern.StartsWith("/api/handoff", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Pattern.StartsWith("/hubs/handoff", StringComparison.Ordinal));

        Assert.Contains(routes, r => r.Pattern.StartsWith("/api/channels/telegram/", StringComparison.Ordinal)); // the file proxy is walked

        var open = new List<string>();
        foreach (var (pattern, name, methods, contentType) in routes)
        {
            foreach (var method in methods.Where(m => m != "OPTIONS"))
            {
                var path = Sample(pattern);
                if (ChannelWebhooks.Contains((method, pattern)))
                {
                    // No bot or community is configured on this host: nothing may get in without a network's secret.
                    using var webhook = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("""{"update_id":1,"type":"message_new","object":{}}""", Encoding.UTF8, "application/json") };
                    if ((await client.SendAsync(webhook, Ct)).StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.Forbidden) and var status)
                    {
                        open.Add($"{method} {path} ({name}) → {(int)status} without a channel secret");
                    }

                    continue;
                }

                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method is "POST" or "PUT" or "PATCH")
                {
                    request.Content = contentType.Contains("form", StringComparison.Ordinal)
                        ? new FormUrlEncodedContent(new Dictionary<string, string> { ["language"] = "en" })
                        : new StringContent("{}", Encoding.UTF8, contentType);
                }

                var response = await client.SendAsync(request, Ct);
                var refused = response.StatusCode == HttpStatusCode.Unauthorized
                    || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString.Contains("/console/login", StringComparison.Ordinal) == true);
                if (!refused)
                {
                    open.Add($"{method} {path} ({name}) → {(int)response.StatusCode}");
                }
            }
        }

        Assert.True(open.Count == 0, "Open to anonymous callers:\n" + string.Join("\n", open));
    }

    [Fact]
    public async Task ApiRefusal_IsProblemDetails_AndPagesRedirectToTheLogin()
    {
        var client = host.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/handoff/queue", Ct), HttpStatusCode.Unauthorized);

        var page = await client.GetAsync("/console/chats/webchat:abc", Ct);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("http://localhost/console/login?ReturnUrl=", page.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    /// <summary>A static file of wwwroot (its own path, or the static-asset fallback <c>{**path:file}</c>).</summary>
    private static bool IsStaticFile(string pattern) =>
        pattern.EndsWith(":file}", StringComparison.Ordinal)
        || (pattern.Split('/').Last() is var last && last.Contains('.', StringComparison.Ordinal) && !last.Contains('{', StringComparison.Ordinal));

    /// <summary>The pattern with each parameter replaced by a plausible value.</summary>
    private static string Sample(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, @"\{\*?\*?(?<name>[^}:=?]+)[^}]*\}", m =>
            m.Groups["name"].Value.Contains("conversation", StringComparison.OrdinalIgnoreCase) ? "webchat:abc" : "x");
}
