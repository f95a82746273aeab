using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.AgentConsole.Accounts;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.DirectLineTestClient;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Security;

/// <summary>Headers on every response, HSTS, cookie flags, the ingress rate limits, a reverse proxy in front, and Direct Line token scope.</summary>
public sealed class SecurityTests : IAsyncLifetime
{
    private readonly RedisServerFixture _store = new();
    private BotFactory _factory = null!;

    public async ValueTask InitializeAsync()
    {
        await _store.InitializeAsync();
        _factory = new BotFactory(_store.ConnectionString, Settings(), ClientAddress.Register);
        _ = _factory.Server;
    }

    private static Dictionary<string, string?> Settings() => new()
    {
        ["RateLimits:DirectLinePerIpPerMinute"] = "8",
        ["RateLimits:DirectLinePerConversationPerMinute"] = "3",
        ["RateLimits:WebhookPerIpPerMinute"] = "3",
    };

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Theory]
    [InlineData("/", true)]
    [InlineData("/console/login", true)]
    [InlineData("/widget.js", false)]
    [InlineData("/healthz", false)]
    [InlineData("/api/interests", false)] // 401
    [InlineData("/v3/directline/conversations/nope/activities", false)] // 401
    [InlineData("/no-such-page", false)] // 404
    public async Task EveryResponse_CarriesSecurityHeaders_PagesTheirPolicy_TheRestNoContent(string path, bool page)
    {
        var response = await _factory.CreateClient().GetAsync(path, Ct);

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("same-origin", Header(response, "Referrer-Policy"));
        var policy = Header(response, "Content-Security-Policy");
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        if (page)
        {
            Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
            Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        }
        else
        {
            Assert.StartsWith("default-src 'none'", policy, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Hsts_OnHttpsForARealHostName_NeverOnHttpOrLocalhost()
    {
        var https = await Client("https://support.example.com").GetAsync("/healthz", Ct);
        Assert.Equal("max-age=31536000", Header(https, "Strict-Transport-Security"));

        Assert.False((await Client("http://support.example.com").GetAsync("/healthz", Ct)).Headers.Contains("Strict-Transport-Security"));
        Assert.False((await Client("https://localhost").GetAsync("/healthz", Ct)).Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Cookies_HttpOnlyAndSameSite_SecureOverHttps()
    {
        const string password = "a-long-enough-password";
        var email = $"cookies-{Guid.NewGuid():N}@example.com";
        await _factory.Services.GetRequiredService<AgentAccountStore>().UpsertAsync(email, "Cookie Agent", AgentRoles.Agent, ["support"], password);

        var overHttp = await _factory.CreateClient().GetAsync("/console/login", Ct);
        var antiforgery = Assert.Single(SetCookies(overHttp), c => c.StartsWith(".SupportBot.Antiforgery=", StringComparison.Ordinal));
        Assert.Contains("httponly", antiforgery, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=", antiforgery, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("; secure", antiforgery, StringComparison.OrdinalIgnoreCase);

        var browser = _factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://support.example.com"), AllowAutoRedirect = false, HandleCookies = false });
        var form = await browser.GetAsync("/console/login", Ct);
        var formCookie = Assert.Single(SetCookies(form), c => c.StartsWith(".SupportBot.Antiforgery=", StringComparison.Ordinal));
        Assert.Contains("; secure", formCookie, StringComparison.OrdinalIgnoreCase);

        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/console/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login",
                ["__RequestVerificationToken"] = ConsoleBrowser.AntiforgeryToken(await form.Content.ReadAsStringAsync(Ct)),
                ["Input.Email"] = email,
                ["Input.Password"] = password,
            }),
        };
        signIn.Headers.Add("Cookie", formCookie.Split(';')[0]);
        var signedIn = await browser.SendAsync(signIn, Ct);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var session = Assert.Single(SetCookies(signedIn), c => c.StartsWith(".SupportBot.Console=", StringComparison.Ordinal));
        Assert.Contains("; secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; samesite=strict", session, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RateLimit_PerAddress_429ProblemWithRetryAfter_OtherAddressesGoOn()
    {
        var client = _factory.CreateClient();
        Task<HttpResponseMessage> RefreshFrom(string address) =>
            client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v3/directline/tokens/refresh").From(address), Ct);

        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshFrom("203.0.113.10")).StatusCode);
        }

        var refused = await RefreshFrom("203.0.113.10");
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter!.Value.TotalSeconds, 1, 60);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshFrom("203.0.113.11")).StatusCode);

        // An IPv6 client holds a /64: its addresses share one budget.
        for (var i = 0; i < 8; i++)
        {
            await RefreshFrom("2001:db8:1:2::1");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await RefreshFrom("2001:db8:1:2::99")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshFrom("2001:db8:1:3::1")).StatusCode);

        // GETs (polling, reading the transcript) are not counted.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v3/directline/conversations/x/activities").From("203.0.113.10"), Ct)).StatusCode);
    }

    [Fact]
    public async Task RateLimit_PerConversation_TheFourthActivityIn429_AnotherConversationGoesOn()
    {
        var chat = new DirectLineTestClient(_factory.CreateDefaultClient(new FromAddress("203.0.113.20")));
        var busy = await chat.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await chat.PostActivityAsync(busy, Message("hello " + i))).StatusCode);
        }

        await ProblemAssert.IsProblemAsync(await chat.PostActivityAsync(busy, Message("one more")), HttpStatusCode.TooManyRequests);

        var other = await chat.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await chat.PostActivityAsync(other, Message("hello"))).StatusCode);
    }

    [Fact]
    public async Task RateLimit_Webhooks_PerAddress()
    {
        var client = _factory.CreateClient();
        Task<HttpResponseMessage> PostFrom(string path, string address) =>
            client.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{}", Encoding.UTF8, "application/json") }.From(address), Ct);

        Assert.Equal(HttpStatusCode.NotFound, (await PostFrom("/api/channels/vk/none", "203.0.113.30")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostFrom("/api/channels/telegram/none", "203.0.113.30")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostFrom("/api/channels/vk/none", "203.0.113.30")).StatusCode);
        await ProblemAssert.IsProblemAsync(await PostFrom("/api/channels/telegram/none", "203.0.113.30"), HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.NotFound, (await PostFrom("/api/channels/telegram/none", "203.0.113.31")).StatusCode);
    }

    [Fact]
    public async Task BehindAKnownProxy_TheClientsAddressAndSchemeCount_CookiesAlwaysSecure()
    {
        var settings = Settings();
        settings["Security:KnownProxies:0"] = "10.9.8.0/24";
        await using var behindProxy = new BotFactory(_store.ConnectionString, settings, ClientAddress.Register);
        var client = behindProxy.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://support.example.com"), HandleCookies = false });
        HttpRequestMessage Relayed(HttpMethod method, string path, string visitor)
        {
            var request = new HttpRequestMessage(method, path).From("10.9.8.7");
            request.Headers.Add("X-Forwarded-For", visitor);
            request.Headers.Add("X-Forwarded-Proto", "https");
            return request;
        }

        // The proxy spoke HTTP to us, the browser HTTPS to it: HSTS and Secure cookies.
        var form = await client.SendAsync(Relayed(HttpMethod.Get, "/console/login", "198.51.100.1"), Ct);
        Assert.Equal("max-age=31536000", Header(form, "Strict-Transport-Security"));
        Assert.Contains("; secure", Assert.Single(SetCookies(form), c => c.StartsWith(".SupportBot.Antiforgery=", StringComparison.Ordinal)), StringComparison.OrdinalIgnoreCase);
        // Configured proxy: Secure even when it forwards no scheme.
        var plain = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/console/login").From("10.9.8.7"), Ct);
        Assert.Contains("; secure", Assert.Single(SetCookies(plain), c => c.StartsWith(".SupportBot.Antiforgery=", StringComparison.Ordinal)), StringComparison.OrdinalIgnoreCase);

        // Each visitor behind the proxy has their own budget.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(Relayed(HttpMethod.Post, "/api/channels/vk/none", "198.51.100.1"), Ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(Relayed(HttpMethod.Post, "/api/channels/vk/none", "198.51.100.1"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(Relayed(HttpMethod.Post, "/api/channels/vk/none", "198.51.100.2"), Ct)).StatusCode);

        // A forwarding header from an address that is not a known proxy is ignored: the sender itself is counted.
        for (var i = 0; i < 3; i++)
        {
            using var spoofed = new HttpRequestMessage(HttpMethod.Post, "/api/channels/vk/none").From("203.0.113.40");
            spoofed.Headers.Add("X-Forwarded-For", "198.51.100." + (10 + i));
            await client.SendAsync(spoofed, Ct);
        }

        using var fourth = new HttpRequestMessage(HttpMethod.Post, "/api/channels/vk/none").From("203.0.113.40");
        fourth.Headers.Add("X-Forwarded-For", "198.51.100.99");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(fourth, Ct)).StatusCode);
    }

    [Fact]
    public async Task DirectLineToken_OpensOnlyItsOwnConversation_ReconnectAndStreamToo()
    {
        var chat = new DirectLineTestClient(_factory.CreateDefaultClient(new FromAddress("203.0.113.50")));
        var mine = await chat.StartAsync();
        var theirs = await chat.StartAsync();

        using var reconnect = Request(HttpMethod.Get, $"/v3/directline/conversations/{theirs.ConversationId}", mine.Token);
        await ProblemAssert.IsProblemAsync(await chat.Http.SendAsync(reconnect, Ct), HttpStatusCode.Forbidden);
        using var own = Request(HttpMethod.Get, $"/v3/directline/conversations/{mine.ConversationId}", mine.Token);
        Assert.Equal(HttpStatusCode.OK, (await chat.Http.SendAsync(own, Ct)).StatusCode);

        var sockets = _factory.Server.CreateWebSocketClient();
        var foreign = new Uri($"ws://localhost/v3/directline/conversations/{theirs.ConversationId}/stream?t={Uri.EscapeDataString(mine.Token)}");
        var refused = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => sockets.ConnectAsync(foreign, Ct));
        Assert.Contains("403", refused.Message, StringComparison.Ordinal);

        // A token cannot be refreshed into another conversation either: the refresh keeps its own.
        using var refresh = Request(HttpMethod.Post, "/v3/directline/tokens/refresh", mine.Token, new System.Text.Json.Nodes.JsonObject { ["conversationId"] = theirs.ConversationId });
        var refreshed = await (await chat.Http.SendAsync(refresh, Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Contains(mine.ConversationId, refreshed, StringComparison.Ordinal);
        Assert.DoesNotContain(theirs.ConversationId, refreshed, StringComparison.Ordinal);
    }

    private HttpClient Client(string baseAddress) =>
        _factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(baseAddress), AllowAutoRedirect = false });

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : "";

    private static IEnumerable<string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [];

    /// <summary>Sends every request of a client as if from one address.</summary>
    private sealed class FromAddress(string address) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            base.SendAsync(request.From(address), cancellationToken);
    }
}
