using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.Enrichment;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Llm;

/// <summary>A store, the model stand-in, and the host with its LLM (and so the enrichment) pointed at it.</summary>
public sealed class EnrichmentHostFixture<TStore> : IAsyncLifetime where TStore : IStore, IAsyncLifetime, new()
{
    public TStore Store { get; } = new();

    public EnrichmentModelStandIn Model { get; private set; } = null!;

    public BotFactory Factory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        Model = await EnrichmentModelStandIn.StartAsync();
        Factory = new BotFactory(Store.ConnectionString, Model.Settings());
        _ = Factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Model.DisposeAsync();
        await Store.DisposeAsync();
    }
}

public sealed class EnrichmentOnRedisTests(EnrichmentHostFixture<RedisServerFixture> host)
    : EnrichmentHostTests(host.Factory, host.Model), IClassFixture<EnrichmentHostFixture<RedisServerFixture>>;

public sealed class EnrichmentOnGarnetTests(EnrichmentHostFixture<GarnetFixture> host)
    : EnrichmentHostTests(host.Factory, host.Model), IClassFixture<EnrichmentHostFixture<GarnetFixture>>;

/// <summary>
/// The model's intent and sentiment for inbound records, batched off the reply path, through the real
/// Semantic Kernel OpenAI connector against the stand-in, with real conversations over Direct Line.
/// </summary>
public abstract class EnrichmentHostTests : IAsyncLifetime
{
    private readonly BotFactory _factory;
    private readonly EnrichmentModelStandIn _model;
    private readonly HttpClient _api;
    private readonly DirectLineTestClient _chat;

    protected EnrichmentHostTests(BotFactory factory, EnrichmentModelStandIn model)
    {
        _factory = factory;
        _model = model;
        _api = factory.CreateClient();
        _api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        _chat = new DirectLineTestClient(factory.CreateClient());
    }

    private EnrichmentQueue Queue => _factory.Services.GetRequiredService<EnrichmentQueue>();

    /// <summary>Each test starts with the model answering and nothing left over from the one before.</summary>
    public async ValueTask InitializeAsync()
    {
        _model.Mode = EnrichmentModelStandIn.Behaviour.Label;
        _model.Release();
        await QueueEmptyAsync();
        _model.Reset();
    }

    public ValueTask DisposeAsync()
    {
        _model.Release();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Records_LabelledInOneCallPerBatch_InPlace_ReportsFollow_RepliesNeverWait_PiiMasked()
    {
        _model.Hold();
        var conversation = await _chat.StartAsync();
        await _chat.SendAsync(conversation, "How long does delivery take?");
        await Eventually.TrueAsync(() => _model.EnrichmentCalls.Count == 1, "the first record's batch reaches the model");

        // The model holds that batch; the customer keeps getting answers meanwhile, and the next records queue up.
        await _chat.SendAsync(conversation, "My parcel arrived late and the box was crushed");
        await _chat.SendAsync(conversation, "Thank you, that helped");
        await _chat.SendAsync(conversation, "write to anna.k@example.com or call +49 151 2345 6789");
        await _chat.WaitForBotMessagesAsync(conversation, 5);
        await Eventually.TrueAsync(async () => (await RecordsAsync(conversation)).Count == 4, "the four records are written");
        Assert.Equal(3, (await Queue.CountAsync()).Pending);
        var before = await RecordsAsync(conversation);
        Assert.All(before, r => Assert.Equal("lexicon", Field(r, "sentiment_source")));
        Assert.Equal("neutral", Field(before.Single(r => Text(r).Contains("crushed")), "sentiment")); // the lexicon does not know "late" or "crushed"
        var sentimentBefore = await SentimentCountsAsync();

        _model.Release();
        await Eventually.TrueAsync(
            async () => (await RecordsAsync(conversation)).All(r => Field(r, "sentiment_source") == "model"), "the model labels all four records", 30);

        // Two calls: the first record alone, then the three that queued meanwhile in one.
        Assert.Equal(2, _model.EnrichmentCalls.Count);
        var batch = _model.EnrichmentCalls.Last();
        Assert.Equal(3, EnrichmentModelStandIn.Texts(batch).Count);
        var request = JsonNode.Parse(batch)!;
        Assert.Equal("json_schema", (string?)request["response_format"]!["type"]);
        Assert.True((bool?)request["response_format"]!["json_schema"]!["strict"]);
        Assert.Contains("delivery-time", request["response_format"]!["json_schema"]!["schema"]!.ToJsonString(), StringComparison.Ordinal);
        var wire = string.Concat(_model.EnrichmentCalls);
        Assert.DoesNotContain("anna.k@example.com", wire, StringComparison.Ordinal);
        Assert.DoesNotContain("2345 6789", wire, StringComparison.Ordinal);
        Assert.Contains("[email-1]", wire, StringComparison.Ordinal);
        Assert.Contains("[phone-1]", wire, StringComparison.Ordinal);

        var after = await RecordsAsync(conversation);
        var crushed = after.Single(r => Text(r).Contains("crushed"));
        Assert.Equal("negative", Field(crushed, "sentiment"));
        Assert.Equal("delivery-time", Field(crushed, "intent"));
        Assert.Equal("model", Field(crushed, "intent_source"));
        Assert.Equal("positive", Field(after.Single(r => Text(r).StartsWith("Thank")), "sentiment"));
        Assert.Equal("other", Field(after.Single(r => Text(r).StartsWith("write")), "intent"));
        Assert.All(after, r => Assert.True(r["processed"]!.GetValue<bool>())); // the rest of the record is as it was

        // The day's report moved the record from neutral to negative.
        var sentimentAfter = await SentimentCountsAsync();
        Assert.Equal(sentimentBefore.GetValueOrDefault("negative") + 1, sentimentAfter.GetValueOrDefault("negative"));
        Assert.Equal(sentimentBefore.Values.Sum(), sentimentAfter.Values.Sum());

        // Llm:EnrichmentHandoff is off: the model's "negative" brings nobody in.
        var queue = (await _api.GetFromJsonAsync<JsonObject>("/api/handoff/queue", Ct))!["items"]!.AsArray();
        Assert.DoesNotContain(queue, i => (string?)i!["conversationId"] == "webchat:" + conversation.ConversationId);
    }

    [Theory]
    [InlineData(EnrichmentModelStandIn.Behaviour.Malformed)]
    [InlineData(EnrichmentModelStandIn.Behaviour.UnknownLabels)]
    public async Task UnusableOutput_LexiconValuesKept_NotAskedAgain(EnrichmentModelStandIn.Behaviour mode)
    {
        _model.Mode = mode;
        var conversation = await _chat.StartAsync();

        await _chat.SendAsync(conversation, "This is terrible, my parcel is late");
        await Eventually.TrueAsync(() => _model.Answered >= 1, "the model answers the batch");
        await QueueEmptyAsync();

        var record = Assert.Single(await RecordsAsync(conversation));
        Assert.Equal("negative", Field(record, "sentiment")); // the lexicon's ("terrible"), not "furious"
        Assert.Equal("lexicon", Field(record, "sentiment_source"));
        Assert.NotEqual("refund-everything", Field(record, "intent"));
        Assert.Equal(1, _model.Answered);
    }

    [Fact]
    public async Task ModelDown_BreakerOpens_LexiconKept_NothingLost_LabelledWhenBack()
    {
        _model.Mode = EnrichmentModelStandIn.Behaviour.ServerError;
        var conversation = await _chat.StartAsync();

        await _chat.SendAsync(conversation, "Where is my parcel?");
        await _chat.SendAsync(conversation, "Thank you anyway");
        await _chat.WaitForBotMessagesAsync(conversation, 3); // the scripted path answers while the model is down
        await Eventually.TrueAsync(() => _model.EnrichmentCalls.Count >= 1, "the failing model is asked");
        await Eventually.TrueAsync(async () => (await RecordsAsync(conversation)).Count == 2, "both records are written");

        var (pending, claimed) = await Queue.CountAsync();
        Assert.Equal(2, pending + claimed); // waiting, not dropped
        Assert.All(await RecordsAsync(conversation), r => Assert.Equal("lexicon", Field(r, "sentiment_source")));

        _model.Mode = EnrichmentModelStandIn.Behaviour.Label;
        await Eventually.TrueAsync(
            async () => (await RecordsAsync(conversation)).All(r => Field(r, "sentiment_source") == "model"), "the records are labelled once the model is back", 30);
        Assert.Equal("positive", Field((await RecordsAsync(conversation)).Single(r => Text(r).StartsWith("Thank")), "sentiment"));
    }

    private async Task QueueEmptyAsync() =>
        await Eventually.TrueAsync(async () => await Queue.CountAsync() == (0, 0), "the enrichment queue is empty", 30);

    private async Task<List<JsonObject>> RecordsAsync(StartedConversation conversation)
    {
        var page = (await _api.GetFromJsonAsync<JsonObject>("/api/interests?pageSize=500", Ct))!;
        return [.. page["items"]!.AsArray().Select(r => r!.AsObject()).Where(r => (string?)r["conversationId"] == "webchat:" + conversation.ConversationId)];
    }

    private async Task<Dictionary<string, long>> SentimentCountsAsync()
    {
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        var summary = (await _api.GetFromJsonAsync<JsonObject>($"/api/reports/summary?from={today}&to={today}&groupBy=sentiment", Ct))!;
        return summary["groups"]!.AsArray().ToDictionary(g => g!["key"]!.GetValue<string>(), g => g!["count"]!.GetValue<long>());
    }

    private static string Text(JsonObject record) => record["text"]!.GetValue<string>();

    /// <summary>Intent and sentiment are the record's own; where they came from is in its fields.</summary>
    private static string? Field(JsonObject record, string name) =>
        name is "intent" or "sentiment" ? (string?)record[name] : (string?)record["fields"]?[name];
}
