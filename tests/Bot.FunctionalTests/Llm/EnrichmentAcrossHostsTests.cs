using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Dialogs.Content;
using SupportBot.Dialogs.Llm;
using SupportBot.Enrichment;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Interests;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Llm;

/// <summary>The enrichment queue across restarts and host instances on one Redis, and the model's "negative" bringing in a person.</summary>
public sealed class EnrichmentAcrossHostsTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Restart_MidQueue_AndAHostThatDiedHoldingAClaim_NoRecordLost()
    {
        await using var model = await EnrichmentModelStandIn.StartAsync();
        var settings = model.Settings();
        model.Hold();
        var first = new BotFactory(redis.ConnectionString, settings);
        var chat = new DirectLineTestClient(first.CreateClient());
        var conversation = await chat.StartAsync();
        await chat.SendAsync(conversation, "How long does delivery take?");
        await Eventually.TrueAsync(() => model.EnrichmentCalls.Count == 1, "the first host has a batch at the model");
        await chat.SendAsync(conversation, "Thank you, that helped");
        await chat.SendAsync(conversation, "My parcel arrived late");
        await chat.WaitForBotMessagesAsync(conversation, 4);

        // Another worker claims one waiting record and dies: its lease has run out, nobody will finish that batch.
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var queue = new EnrichmentQueue(connection, Options.Create(new LlmOptions()), TimeProvider.System);
        Assert.Single(await queue.ClaimAsync(1, TimeSpan.FromMilliseconds(1), "a-host-that-died"));

        // The first host stops while the model still holds its batch: the batch goes back to the queue.
        await first.DisposeAsync();
        Assert.Equal((2L, 1L), await queue.CountAsync());
        model.Release();

        await using var second = new BotFactory(redis.ConnectionString, settings);
        var api = second.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        await Eventually.TrueAsync(
            async () => (await RecordsAsync(api, conversation)) is { Count: 3 } records && records.All(r => (string?)r["fields"]!["sentiment_source"] == "model"),
            "the restarted host labels all three records", 60);
        Assert.Equal((0L, 0L), await queue.CountAsync());
    }

    [Fact]
    public async Task TwoHosts_ShareTheQueue_NoRecordSentToTheModelTwice()
    {
        await using var model = await EnrichmentModelStandIn.StartAsync();
        model.DelayMs = 50; // calls overlap, so both hosts claim while the other is busy
        var settings = model.Settings(("Llm:EnrichmentBatchSize", "5"));
        await using var a = new BotFactory(redis.ConnectionString, settings);
        await using var b = new BotFactory(redis.ConnectionString, settings);
        _ = b.Server;
        var log = a.Services.GetRequiredService<InterestLog>();
        var tag = "t" + Guid.NewGuid().ToString("N")[..8]; // a letter first: eight digits alone would go to the model masked as a phone number
        var ids = new List<string>();

        for (var i = 0; i < 40; i++)
        {
            ids.Add(await AppendAsync(log, tag, i));
        }

        await Eventually.TrueAsync(
            async () => (await log.GetManyAsync(ids)).All(r => r.Fields?.GetValueOrDefault("sentiment_source") == "model"), "all forty records are labelled", 60);
        var sent = model.EnrichmentCalls.Select(EnrichmentModelStandIn.Texts).ToList();
        Assert.All(sent, texts => Assert.InRange(texts.Count, 1, 5));
        var ours = sent.SelectMany(t => t).Where(t => t.StartsWith(tag, StringComparison.Ordinal)).ToList();
        Assert.Equal(40, ours.Count);
        Assert.Equal(40, ours.Distinct().Count());
    }

    [Fact]
    public async Task SlowModel_ABatchThatTimesOut_IsSplit_UntilItFits()
    {
        await using var model = await EnrichmentModelStandIn.StartAsync();
        model.SlowAbove = 2;
        model.SlowMs = 30_000; // far past the 2 s limit
        await using var host = new BotFactory(
            redis.ConnectionString, model.Settings(("Llm:EnrichmentTimeoutSeconds", "2"), ("Llm:BreakerFailures", "50"), ("Llm:EnrichmentBatchSize", "8")));
        model.Hold();
        var log = host.Services.GetRequiredService<InterestLog>();
        var tag = "t" + Guid.NewGuid().ToString("N")[..8]; // a letter first: eight digits alone would go to the model masked as a phone number
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            if (i == 1)
            {
                await Eventually.TrueAsync(() => model.EnrichmentCalls.Count == 1, "the first record is at the model");
            }

            ids.Add(await AppendAsync(log, tag, i));
        }

        model.Release(); // the first answers at once; the six that queued meanwhile are one batch, too slow

        await Eventually.TrueAsync(
            async () => (await log.GetManyAsync(ids)).All(r => r.Fields?.GetValueOrDefault("sentiment_source") == "model"), "all seven records are labelled", 60);
        var sizes = model.EnrichmentCalls.Select(c => EnrichmentModelStandIn.Texts(c).Count).ToList();
        Assert.Equal(6, sizes[1]); // timed out: 8 a call becomes 4
        Assert.All(sizes.Skip(2), size => Assert.True(size <= 4, string.Join(",", sizes)));
        Assert.Contains(sizes.Skip(2), size => size <= 2); // the size that fits
    }

    [Fact]
    public async Task EnrichmentHandoff_ModelFindsAMessageNegative_APersonIsBroughtIn_TheLexiconDidNot()
    {
        await using var model = await EnrichmentModelStandIn.StartAsync();
        await using var host = new BotFactory(redis.ConnectionString, model.Settings(("Llm:EnrichmentHandoff", "true")));
        var chat = new DirectLineTestClient(host.CreateClient());
        var api = host.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        var acknowledged = host.Services.GetRequiredService<ContentLibrary>().Current.Messages.HandoffAcknowledged["en"];
        var conversation = await chat.StartAsync();

        await chat.SendAsync(conversation, "My parcel arrived late and the box was crushed");

        await Eventually.TrueAsync(
            async () => DirectLineTestClient.BotMessages(await chat.GetActivitiesAsync(conversation)).Any(r => (string?)r["text"] == acknowledged),
            "the customer hears that a person is coming", 30);
        var replies = DirectLineTestClient.BotMessages(await chat.GetActivitiesAsync(conversation));
        Assert.True(replies.FindIndex(r => (string?)r["text"] == acknowledged) >= 2, "after the greeting and the bot's own answer");
        var record = Assert.Single(await RecordsAsync(api, conversation));
        Assert.Equal("negative", (string?)record["sentiment"]);
        Assert.Equal("model", (string?)record["fields"]!["sentiment_source"]);
        await Eventually.TrueAsync(
            async () => (await api.GetFromJsonAsync<JsonObject>("/api/handoff/queue", Ct))!["items"]!.AsArray()
                .Any(i => (string?)i!["conversationId"] == "webchat:" + conversation.ConversationId && (string?)i["reason"] == "negative-sentiment"),
            "the chat waits for a person");
    }

    /// <summary>An inbound message record written straight into the log (its enrichment is queued as for any record).</summary>
    private static async Task<string> AppendAsync(InterestLog log, string tag, int i)
    {
        var record = new InterestRecord
        {
            Id = $"in-{tag}-{i}",
            Date = DateTimeOffset.UtcNow,
            SourceType = "webchat",
            Author = new InterestAuthor("user-" + i, null, null, null),
            Action = "message",
            Direction = "in",
            Text = $"{tag} question number {i}",
            ConversationId = $"webchat:{tag}-{i % 4}",
        };
        await log.AppendAsync(record);
        return record.Id;
    }

    private static async Task<List<JsonObject>> RecordsAsync(HttpClient api, StartedConversation conversation)
    {
        var page = (await api.GetFromJsonAsync<JsonObject>("/api/interests?pageSize=500", Ct))!;
        return [.. page["items"]!.AsArray().Select(r => r!.AsObject()).Where(r => (string?)r["conversationId"] == "webchat:" + conversation.ConversationId)];
    }
}
