using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.TestHost;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Channels.WebChat;

public sealed class DirectLineStreamOnRedisTests(BotHostFixture<RedisServerFixture> host)
    : DirectLineStreamTests(host.Factory), IClassFixture<BotHostFixture<RedisServerFixture>>;

public sealed class DirectLineStreamOnGarnetTests(BotHostFixture<GarnetFixture> host)
    : DirectLineStreamTests(host.Factory), IClassFixture<BotHostFixture<GarnetFixture>>;

/// <summary>The Direct Line WebSocket: activity sets pushed as they happen, from the watermark on.</summary>
public abstract class DirectLineStreamTests(BotFactory factory)
{
    private readonly DirectLineTestClient _client = new(factory.CreateClient());

    [Fact]
    public async Task Stream_PushesGreeting_ThenEchoAndAnswerOfAPostedMessage()
    {
        var conversation = await _client.StartAsync();
        using var socket = await ConnectAsync(conversation.StreamUrl);

        var greeting = await ReceiveUntilAsync(socket, activities => activities.Any(IsBot));
        Assert.Contains("Northwind", greeting.Single(IsBot)["text"]!.GetValue<string>());

        var id = await _client.SendAsync(conversation, "Where is my order?", clientActivityId: "ws-1");
        var seen = await ReceiveUntilAsync(socket, activities => activities.Any(a => IsBot(a) && a["replyToId"]?.GetValue<string>() == id));

        var echo = seen.Single(a => a["id"]!.GetValue<string>() == id);
        Assert.Equal("ws-1", echo["channelData"]!["clientActivityID"]!.GetValue<string>());
        Assert.Contains("tracking link", seen.Single(IsBot)["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Stream_WithWatermark_SendsOnlyWhatCameAfter()
    {
        var conversation = await _client.StartAsync();
        await _client.WaitForBotMessagesAsync(conversation, 1);
        await _client.SendAsync(conversation, "How much is shipping?");
        await _client.WaitForBotMessagesAsync(conversation, 2);

        using var socket = await ConnectAsync(conversation.StreamUrl + "&watermark=2");
        var set = await ReceiveSetAsync(socket);

        Assert.Equal("3", set["watermark"]!.GetValue<string>());
        var only = Assert.Single(set["activities"]!.AsArray());
        Assert.Contains("free from €50", only!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Stream_AfterReconnect_GetConversationGivesAFreshWorkingStreamUrl()
    {
        var conversation = await _client.StartAsync();
        await _client.WaitForBotMessagesAsync(conversation, 1);

        using var reconnect = DirectLineTestClient.Request(HttpMethod.Get, $"/v3/directline/conversations/{conversation.ConversationId}?watermark=1", conversation.Token);
        var body = (await (await _client.Http.SendAsync(reconnect, Ct)).Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        using var socket = await ConnectAsync(body["streamUrl"]!.GetValue<string>());

        await _client.SendAsync(conversation, "hello again");
        var seen = await ReceiveUntilAsync(socket, activities => activities.Any(a => a["text"]?.GetValue<string>() == "hello again"));
        Assert.DoesNotContain(seen, a => a["text"]!.GetValue<string>().Contains("Northwind")); // the greeting was before the watermark
    }

    [Fact]
    public async Task Stream_TokenOfAnotherConversation_Refused()
    {
        var mine = await _client.StartAsync();
        var theirs = await _client.StartAsync();
        var foreign = theirs.StreamUrl.Replace($"t={Uri.EscapeDataString(theirs.Token)}", $"t={Uri.EscapeDataString(mine.Token)}", StringComparison.Ordinal);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(foreign));
        Assert.Contains("403", error.Message);
    }

    [Fact]
    public async Task Stream_WithoutToken_RefusedAndPlainHttpGets400()
    {
        var conversation = await _client.StartAsync();
        var bare = conversation.StreamUrl[..conversation.StreamUrl.IndexOf('?', StringComparison.Ordinal)];

        var error = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(bare));
        Assert.Contains("401", error.Message);
        var plain = await _client.Http.GetAsync(new Uri(conversation.StreamUrl.Replace("ws://", "http://", StringComparison.Ordinal)).PathAndQuery, Ct);
        await ProblemAssert.IsProblemAsync(plain, HttpStatusCode.BadRequest);
    }

    private async Task<WebSocket> ConnectAsync(string streamUrl)
    {
        var client = factory.Server.CreateWebSocketClient();
        return await client.ConnectAsync(new Uri(streamUrl), Ct);
    }

    private static bool IsBot(JsonObject activity) => activity["from"]?["role"]?.GetValue<string>() == "bot";

    private static async Task<List<JsonObject>> ReceiveUntilAsync(WebSocket socket, Func<List<JsonObject>, bool> done)
    {
        var seen = new List<JsonObject>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        while (!done(seen))
        {
            var set = await ReceiveSetAsync(socket, timeout.Token);
            seen.AddRange(set["activities"]!.AsArray().Select(a => a!.AsObject()));
        }

        return seen;
    }

    private static async Task<JsonObject> ReceiveSetAsync(WebSocket socket, CancellationToken? cancellation = null)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, cancellation ?? Ct);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            if (message.Length > 0) // empty frames are keep-alives
            {
                return JsonNode.Parse(Encoding.UTF8.GetString(message.ToArray()))!.AsObject();
            }
        }
    }
}
