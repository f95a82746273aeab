using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Handoff;

namespace SupportBot.FunctionalTests.Pipeline;

/// <summary>Data the pipeline cannot read is set aside or replaced, never a conversation stuck for good.</summary>
public sealed class PoisonTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task UnreadableInboxItemAndState_SetAside_AndTheNextMessageIsAnswered()
    {
        await using var host = new BotFactory(redis.ConnectionString);
        var chat = new DirectLineTestClient(host.CreateClient());
        var conversation = await chat.StartAsync();
        await chat.WaitForBotMessagesAsync(conversation, 1);
        var conversationId = "webchat:" + conversation.ConversationId;
        var db = host.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

        // As if an incompatible version had written them.
        await db.StringSetAsync(RedisKeys.State(conversationId), "{not json");
        await db.ListRightPushAsync(RedisKeys.Inbox(conversationId), "99|{\"broken\":");
        await db.SortedSetAddAsync(RedisKeys.PendingConversations, conversationId, 0);

        await chat.SendAsync(conversation, "How much is shipping?");
        var replies = await chat.WaitForBotMessagesAsync(conversation, 3); // fresh state: greeting again, then the answer

        Assert.Contains("free from €50", replies[^1]["text"]!.GetValue<string>());
        var unreadable = await db.ListRangeAsync(RedisKeys.UnreadableActivities);
        Assert.Contains(unreadable, v => v == "99|{\"broken\":");
        await Eventually.TrueAsync(async () => await db.ListLengthAsync(RedisKeys.Inbox(conversationId)) == 0, "the inbox emptied");
    }

    [Fact]
    public async Task UnreadableQueuedReply_SetAside_AndTheNextMessageIsAnswered()
    {
        await using var host = new BotFactory(redis.ConnectionString);
        var chat = new DirectLineTestClient(host.CreateClient());
        var conversation = await chat.StartAsync();
        await chat.WaitForBotMessagesAsync(conversation, 1);
        var conversationId = "webchat:" + conversation.ConversationId;
        var db = host.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

        // As if an incompatible version had queued it.
        await db.ListRightPushAsync(RedisKeys.Outbox(conversationId), "{\"broken\":");
        await db.SortedSetAddAsync(RedisKeys.PendingConversations, conversationId, 0);

        await chat.SendAsync(conversation, "How much is shipping?");
        var replies = await chat.WaitForBotMessagesAsync(conversation, 2);

        Assert.Contains("free from €50", replies[^1]["text"]!.GetValue<string>());
        Assert.Contains(await db.ListRangeAsync(RedisKeys.UnreadableActivities), v => v == "{\"broken\":");
        // A sent reply leaves the outbox just after the channel has it (at least once): the customer can see it first.
        await Eventually.TrueAsync(async () => await db.ListLengthAsync(RedisKeys.Outbox(conversationId)) == 0, "the outbox emptied");
    }
}
