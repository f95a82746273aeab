using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Channels.WebChat;

/// <summary>Anonymous visitor tokens for the widget: shaped like tokens/generate, rate-limited per address.</summary>
public sealed class VisitorTokenTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task VisitorToken_OverThePerAddressLimit_429WithRetryAfter()
    {
        await using var host = new BotFactory(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Channels:WebChat:TokenRequestsPerMinutePerIp"] = "3",
        });
        var http = host.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            var ok = await http.PostAsync("/api/webchat/token", null, Ct);
            var body = (await ok.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
            Assert.Equal(32, body["conversationId"]!.GetValue<string>().Length);
            Assert.Equal(1800, body["expires_in"]!.GetValue<int>());
        }

        var refused = await http.PostAsync("/api/webchat/token", null, Ct);
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.True(refused.Headers.RetryAfter is not null);
    }

    [Fact]
    public async Task Health_LiveAndReady()
    {
        await using var host = new BotFactory(redis.ConnectionString);
        var http = host.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/widget.js", Ct)).StatusCode);
        Assert.Contains("widget.js", await http.GetStringAsync("/", Ct));
    }
}
