using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SupportBot.Contracts;
using SupportBot.Dialogs;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Interests;

/// <summary>A request the bot collects becomes an open lead card of action "request" with its fields.</summary>
public sealed class RequestRecordTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task BotCollectsRequest_RecordedAsOpenRequestWithFields_Once()
    {
        await using var host = new BotFactory(redis.ConnectionString, services: services =>
        {
            services.RemoveAll<IConversationBot>();
            services.AddSingleton<IConversationBot, RequestTakingBot>();
        });
        var chat = new DirectLineTestClient(host.CreateClient());
        var conversation = await chat.StartAsync();

        await chat.SendAsync(conversation, "I want to return my kettle");
        await chat.WaitForBotMessagesAsync(conversation, 1);

        var api = host.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        var records = (await api.GetFromJsonAsync<JsonObject>("/api/interests?action=request&pageSize=500", Ct))!["items"]!.AsArray()
            .Where(r => r!["conversationId"]!.GetValue<string>() == "webchat:" + conversation.ConversationId)
            .ToList();
        var request = Assert.Single(records)!;
        Assert.False(request["processed"]!.GetValue<bool>());
        Assert.Equal("Alice", request["author"]!["name"]!.GetValue<string>());
        Assert.Equal("alice@example.com", request["fields"]!["contact"]!.GetValue<string>());
        Assert.Contains("returns", request["text"]!.GetValue<string>());
        Assert.Equal("mailto:alice@example.com", request["replyAction"]!.GetValue<string>()); // the bot promised to write there
    }

    private sealed class RequestTakingBot : IConversationBot
    {
        public Task<BotTurnResult> OnTurnAsync(BotTurn turn, CancellationToken cancellationToken) =>
            Task.FromResult(turn.Activity.Kind == ActivityKind.ConversationStart
                ? BotTurnResult.Say()
                : new BotTurnResult(
                    [new OutgoingMessage("Your request is open.")],
                    Requests: [new LeadRequest("returns", new Dictionary<string, string> { ["name"] = "Alice", ["contact"] = "alice@example.com" })]));
    }
}
