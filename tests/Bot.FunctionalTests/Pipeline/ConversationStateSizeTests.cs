using StackExchange.Redis;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Memory;

namespace SupportBot.FunctionalTests.Pipeline;

/// <summary>
/// A finished conversation's state in Redis (dialog state, owner, profile, dedupe set, counters, the channel's
/// delivery record: bench/README.md, scenario memory) stays within 1 KB, so a million quiet conversations cost about
/// a gigabyte at most. Measured with redis-server's MEMORY USAGE, the figure the issue names.
/// </summary>
public sealed class ConversationStateSizeTests(TelegramHostFixture<RedisServerFixture> host) : IClassFixture<TelegramHostFixture<RedisServerFixture>>
{
    private const long MaxStateBytes = 1024;

    private static readonly string[] Intake = ["Please call me back", "Alice", "Returns", "alice@example.com", "yes"];

    [Fact]
    public async Task WebChatIntakeConversation_AtRest_StateAtMostOneKilobyte()
    {
        var chat = new DirectLineTestClient(host.Factory.CreateClient());
        var conversation = await chat.StartAsync();
        await chat.WaitForBotMessagesAsync(conversation, 1);
        for (var i = 0; i < Intake.Length; i++)
        {
            await chat.SendAsync(conversation, Intake[i]);
            await chat.WaitForBotMessagesAsync(conversation, i + 2);
        }

        var last = DirectLineTestClient.BotMessages(await chat.GetActivitiesAsync(conversation))[^1]["text"]!.GetValue<string>();
        Assert.Contains("Your request is open", last);
        await AssertStateSizeAsync(AgentTestClient.ConversationOf(conversation));
    }

    [Fact]
    public async Task TelegramIntakeConversation_AtRest_StateAtMostOneKilobyte()
    {
        var chatId = TelegramHostFixture<RedisServerFixture>.NextChatId();
        for (var i = 0; i < Intake.Length; i++)
        {
            var before = host.Api.MessagesTo(chatId).Count();
            await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<RedisServerFixture>.NextUpdateId(), chatId, Intake[i], messageId: 100 + i));
            await Eventually.TrueAsync(() => host.Api.MessagesTo(chatId).Count() > before, $"the answer to \"{Intake[i]}\"");
        }

        await Eventually.TrueAsync(() => host.Api.MessagesTo(chatId).Any(m => m.Body["text"]!.GetValue<string>().Contains("Your request is open")), "the request confirmation");
        await AssertStateSizeAsync($"telegram:shop:{chatId}");
    }

    private async Task AssertStateSizeAsync(string conversationId)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(host.Store.ConnectionString + ",allowAdmin=true");
        IReadOnlyList<(string Key, long Bytes)> keys = [];
        // At rest: no lease held, nothing waiting to be processed or sent.
        await Eventually.TrueAsync(async () =>
        {
            keys = await ConversationStateSize.MeasureAsync(redis, conversationId);
            return !keys.Any(k => k.Key.EndsWith(":lease", StringComparison.Ordinal) || k.Key.EndsWith(":inbox", StringComparison.Ordinal) || k.Key.EndsWith(":outbox", StringComparison.Ordinal));
        }, "the conversation at rest");

        var breakdown = string.Join(", ", keys.Select(k => $"{ConversationStateSize.Kind(k.Key, conversationId)} {k.Bytes}"));
        Assert.Contains(keys, k => k.Key.EndsWith(":state", StringComparison.Ordinal)); // the dialog state is measured, not missed
        Assert.True(keys.Sum(k => k.Bytes) <= MaxStateBytes, $"{keys.Sum(k => k.Bytes)} bytes: {breakdown}");
        TestContext.Current.TestOutputHelper?.WriteLine($"{conversationId}: {keys.Sum(k => k.Bytes)} bytes: {breakdown}");
    }
}
