using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using SupportBot.Customers;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Handoff;
using SupportBot.Interests;
using SupportBot.Reports;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Interests;

/// <summary>
/// A store and a host with routing rules (kettles to two named agents in turn, VK to the social department, least
/// loaded), no global distribution, and a retention of 30 days swept every fifth of a second.
/// </summary>
public sealed class CrmHostFixture<TStore> : IAsyncLifetime where TStore : IStore, IAsyncLifetime, new()
{
    public const int RetentionDays = 30;

    public TStore Store { get; } = new();

    public BotFactory Factory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        Factory = new BotFactory(Store.ConnectionString, new Dictionary<string, string?>
        {
            ["Handoff:Assignment"] = "Claim",
            ["Handoff:Departments:0:Name"] = "support",
            ["Handoff:Departments:1:Name"] = "social",
            ["Interests:Rules:0:Product"] = "Kettle",
            ["Interests:Rules:0:Agents:0"] = "rule-ann",
            ["Interests:Rules:0:Agents:1"] = "rule-bob",
            ["Interests:Rules:1:Source"] = "vk",
            ["Interests:Rules:1:Department"] = "social",
            ["Interests:Rules:1:Distribution"] = "LeastLoaded",
            ["Interests:RetentionDays"] = RetentionDays.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Interests:RetentionCheckSeconds"] = "0.2",
        });
        _ = Factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Store.DisposeAsync();
    }
}

public sealed class CrmCoreOnRedisTests(CrmHostFixture<RedisServerFixture> host)
    : CrmCoreTests(host.Factory), IClassFixture<CrmHostFixture<RedisServerFixture>>;

public sealed class CrmCoreOnGarnetTests(CrmHostFixture<GarnetFixture> host)
    : CrmCoreTests(host.Factory), IClassFixture<CrmHostFixture<GarnetFixture>>;

/// <summary>
/// The lead card's first-class fields (intent, sentiment, department), agents' tags on records, the retention sweep
/// and the distribution rules, through the host's API and its interest log on a real store.
/// </summary>
public abstract class CrmCoreTests(BotFactory factory) : IAsyncDisposable
{
    private readonly FeedSupport _feed = new(factory);
    private readonly List<AgentTestClient> _agents = [];

    private IDatabase Db => factory.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    [Fact]
    public async Task BotAnsweredMessage_IntentAndSentimentOnTheRecord_NotInItsFields()
    {
        var customer = new DirectLineTestClient(factory.CreateClient());
        var chat = await customer.StartAsync();
        await customer.SendAsync(chat, "Which payment methods do you accept?");
        var conversation = "webchat:" + chat.ConversationId;

        InterestRecord? record = null;
        await Eventually(async () =>
        {
            var page = await _feed.Log.QueryAsync(new InterestQuery(new InterestFilter { Source = "webchat" }, 1, 200), Ct);
            record = page.Items.FirstOrDefault(r => r.ConversationId == conversation);
            return record is not null;
        }, "the customer's record");

        var json = await _feed.RecordAsync(record!.Id);
        Assert.False(string.IsNullOrEmpty(json["intent"]?.GetValue<string>()), json.ToJsonString());
        Assert.Contains(json["sentiment"]?.GetValue<string>(), new[] { "positive", "neutral", "negative" });
        Assert.True(json["fields"] is null || (json["fields"]!["intent"] is null && json["fields"]!["sentiment"] is null), json.ToJsonString());
    }

    [Fact]
    public async Task RecordWrittenBefore_IntentAndSentimentInFields_ReadAsFirstClass()
    {
        var id = InterestLog.RecordId("in", "telegram:old", Guid.NewGuid().ToString("N"));
        // As an earlier version stored it: intent and sentiment among the fields, no work state.
        await Db.StringSetAsync(RedisKeys.Interest(id), $$$"""
            {"id":"{{{id}}}","date":"2025-01-05T10:00:00+00:00","sourceType":"telegram","author":{"id":"42","name":"Olga"},
             "action":"message","direction":"in","text":"Where is my order?","conversationId":"telegram:old","processed":false,
             "fields":{"intent":"order-status","sentiment":"negative","edited":"true"}}
            """);

        var json = await _feed.RecordAsync(id);

        Assert.Equal("order-status", json["intent"]!.GetValue<string>());
        Assert.Equal("negative", json["sentiment"]!.GetValue<string>());
        Assert.Equal(["edited"], json["fields"]!.AsObject().Select(f => f.Key));
        Assert.Empty(json["tags"]!.AsArray());
    }

    [Fact]
    public async Task Tags_AddedAndRemovedByAnAgent_TheFeedFiltersByThem_TheExportCarriesThem()
    {
        var word = FeedSupport.UniqueWord();
        var vip = await _feed.SeedAsync($"{word} I want three of them", product: "toaster");
        var other = await _feed.SeedAsync($"{word} just asking");
        var tag = "VIP " + word[..6];

        var added = await Tag(vip.Id, new JsonObject { ["add"] = new JsonArray(tag, "call-back") });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(["call-back", tag.ToLowerInvariant()], (await added.Content.ReadFromJsonAsync<JsonObject>(Ct))!["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal([vip.Id], await _feed.IdsAsync($"?tag={Uri.EscapeDataString(tag)}"));
        Assert.Equal([vip.Id], await _feed.IdsAsync($"?q={word}&tag=call-back&tag={Uri.EscapeDataString(tag.ToUpperInvariant())}"));
        Assert.Equal([vip.Id], await _feed.IdsAsync($"?product=toaster&tag=call-back&q={word}"));
        Assert.Empty(await _feed.IdsAsync($"?tag=call-back&q={word}&processed=yes"));
        var csv = await _feed.Api().GetStringAsync($"/api/interests/export.csv?tag={Uri.EscapeDataString(tag)}", Ct);
        Assert.Contains("call-back; " + tag.ToLowerInvariant(), csv, StringComparison.Ordinal);
        Assert.DoesNotContain(other.Id, csv, StringComparison.Ordinal);

        var removed = await Tag(vip.Id, new JsonObject { ["remove"] = new JsonArray(tag.ToUpperInvariant()) });
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Empty(await _feed.IdsAsync($"?tag={Uri.EscapeDataString(tag)}"));
        Assert.Equal(["call-back"], (await _feed.RecordAsync(vip.Id))["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        // Adding what is there, removing what is not: nothing changes, no error.
        Assert.Equal(HttpStatusCode.OK, (await Tag(vip.Id, new JsonObject { ["add"] = new JsonArray("call-back"), ["remove"] = new JsonArray("never") })).StatusCode);
        Assert.Equal(["call-back"], (await _feed.RecordAsync(vip.Id))["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
    }

    [Theory]
    [InlineData("""{"add":"vip"}""", "add")]
    [InlineData("""{"add":[""]}""", "add")]
    [InlineData("""{"add":["this tag is far too long to be a tag of any record"]}""", "add")]
    [InlineData("""{"remove":[42]}""", "remove")]
    [InlineData("""{"add":["a"],"remove":["A"]}""", "both")]
    [InlineData("""{"add":[]}""", "at least one")]
    [InlineData("""{"colour":["red"]}""", "colour")]
    [InlineData("""{"add":["vip"]""", "JSON")]
    public async Task Tags_BadBody_400SayingWhatIsWrong(string body, string named)
    {
        var record = await _feed.SeedAsync("tag me badly");
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        var problem = await ProblemAssert.IsProblemAsync(await _feed.Api("ann").PostAsync($"/api/interests/{record.Id}/tags", content, Ct), HttpStatusCode.BadRequest);

        Assert.Contains(named, problem["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty((await _feed.RecordAsync(record.Id))["tags"]!.AsArray());
    }

    [Fact]
    public async Task Tags_UnknownRecord404_TooMany409_NoAgent400_NoKey401_FilterTooLong400()
    {
        var record = await _feed.SeedAsync("many tags");
        await ProblemAssert.IsProblemAsync(await Tag("in-00000000000000000000dead", new JsonObject { ["add"] = new JsonArray("x") }), HttpStatusCode.NotFound);
        var twenty = new JsonArray([.. Enumerable.Range(0, InterestLog.MaxTagsPerRecord).Select(i => (JsonNode)("t" + i))]);
        Assert.Equal(HttpStatusCode.OK, (await Tag(record.Id, new JsonObject { ["add"] = twenty })).StatusCode);
        var problem = await ProblemAssert.IsProblemAsync(await Tag(record.Id, new JsonObject { ["add"] = new JsonArray("one-more") }), HttpStatusCode.Conflict);
        Assert.Contains(InterestLog.MaxTagsPerRecord.ToString(System.Globalization.CultureInfo.InvariantCulture), problem["detail"]!.GetValue<string>());
        Assert.Equal(InterestLog.MaxTagsPerRecord, (await _feed.RecordAsync(record.Id))["tags"]!.AsArray().Count);

        await ProblemAssert.IsProblemAsync(await _feed.Api().PostAsJsonAsync($"/api/interests/{record.Id}/tags", new JsonObject { ["add"] = new JsonArray("x") }, Ct), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await _feed.Api("ann", key: null).PostAsJsonAsync($"/api/interests/{record.Id}/tags", new JsonObject { ["add"] = new JsonArray("x") }, Ct), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(await _feed.Api().GetAsync("/api/interests?tag=" + new string('x', 41), Ct), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Retention_RecordsPastIt_GoWithEveryIndexEntry_NewerOnesStay_NotWhileAnotherInstanceSweeps()
    {
        var word = FeedSupport.UniqueWord();
        var conversation = "telegram:retention-" + Guid.NewGuid().ToString("N")[..8];
        var author = "ret-" + word;
        var old = DateTimeOffset.UtcNow.AddDays(-CrmHostFixture<GarnetFixture>.RetentionDays - 2);
        var customers = factory.Services.GetRequiredService<CustomerStore>();
        // Another instance is sweeping (it holds the lease): this host leaves the old records alone meanwhile.
        // This host sweeps every 0.2 s itself, so the lease can be its own for a moment: take it once it is free.
        var leaseTaken = false;
        for (var attempt = 0; attempt < 100 && !leaseTaken; attempt++)
        {
            leaseTaken = await Db.StringSetAsync(RedisKeys.InterestsRetentionLease, "another-instance", TimeSpan.FromMinutes(1), When.NotExists);
            if (!leaseTaken)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), Ct);
            }
        }

        Assert.True(leaseTaken, "this host's own sweep never let go of the retention lease");
        InterestRecord gone, goneToo, stays;
        string? customerId;
        try
        {
            // Written as they would have been 32 days ago, then worked on: taken, tagged.
            gone = await _feed.SeedAsync($"{word} old question", product: "Blender", date: old, conversationId: conversation, responsible: "queue", authorId: author);
            goneToo = await _feed.SeedAsync($"{word} old reply", direction: "out", date: old.AddMinutes(1), conversationId: conversation, authorId: "bot");
            stays = await _feed.SeedAsync($"{word} new question", product: "Blender", conversationId: conversation, responsible: "queue", authorId: author);
            Assert.Equal(HttpStatusCode.OK, (await _feed.Api("ret-ann").PostAsync($"/api/interests/{gone.Id}/take", null, Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Tag(gone.Id, new JsonObject { ["add"] = new JsonArray(word) })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Tag(stays.Id, new JsonObject { ["add"] = new JsonArray(word) })).StatusCode);
            customerId = await customers.FindByConversationAsync(conversation);
            Assert.NotNull(customerId);
            Assert.Equal(3, (await customers.RecordIdsAsync(customerId, 1, 50))!.Value.Ids.Count);
            await Task.Delay(TimeSpan.FromSeconds(1), Ct); // five sweep intervals
            Assert.Equal(HttpStatusCode.OK, (await _feed.Api().GetAsync($"/api/interests/{gone.Id}", Ct)).StatusCode);
        }
        finally
        {
            await Db.KeyDeleteAsync(RedisKeys.InterestsRetentionLease);
        }

        // The sweep runs every fifth of a second: the old records go.
        await Eventually(async () => (await _feed.Api().GetAsync($"/api/interests/{gone.Id}", Ct)).StatusCode == HttpStatusCode.NotFound
            && (await _feed.Api().GetAsync($"/api/interests/{goneToo.Id}", Ct)).StatusCode == HttpStatusCode.NotFound, "the old records removed");

        Assert.Equal([stays.Id], await _feed.IdsAsync($"?q={word}&direction=all"));
        Assert.Equal([stays.Id], await _feed.IdsAsync($"?tag={word}"));
        Assert.Equal([stays.Id], await _feed.IdsAsync($"?product=blender&q={word}"));
        Assert.Empty(await _feed.IdsAsync($"?responsible=agent:ret-ann"));
        foreach (var key in new RedisKey[]
        {
            RedisKeys.InterestsByTime, RedisKeys.InterestsBySource("telegram"), RedisKeys.InterestsByAction("message"), RedisKeys.InterestsByDirection("in"),
            RedisKeys.InterestsByDirection("out"), RedisKeys.InterestsByProduct("blender"), RedisKeys.InterestsByResponsible("agent:ret-ann"),
            RedisKeys.InterestsOpenOf("agent:ret-ann"), RedisKeys.InterestsOpen, RedisKeys.ConversationOpenInterests(conversation),
            RedisKeys.InterestsByWord(word), RedisKeys.InterestsByTag(word),
        })
        {
            Assert.Null(await Db.SortedSetScoreAsync(key, gone.Id));
            Assert.Null(await Db.SortedSetScoreAsync(key, goneToo.Id));
        }

        Assert.False(await Db.KeyExistsAsync(RedisKeys.InterestWork(gone.Id)));
        Assert.NotNull(await Db.SortedSetScoreAsync(RedisKeys.ConversationOpenInterests(conversation), stays.Id));
        // The customer stays, with the newer record only.
        Assert.Equal([stays.Id], (await customers.RecordIdsAsync(customerId!, 1, 50))!.Value.Ids);
    }

    [Fact]
    public async Task Retention_UnreadableRecordPastIt_RemovedByItsId_SweepGoesOn()
    {
        var word = FeedSupport.UniqueWord();
        var old = DateTimeOffset.UtcNow.AddDays(-CrmHostFixture<GarnetFixture>.RetentionDays - 3);
        // A record whose JSON cannot be read (written by a bug, or cut short), older than the one after it.
        var broken = "broken-" + word;
        await Db.StringSetAsync(RedisKeys.Interest(broken), "{\"id\": cut sh");
        await Db.HashSetAsync(RedisKeys.InterestWork(broken), "resp", "");
        await Db.SortedSetAddAsync(RedisKeys.InterestsByTime, broken, old.AddMinutes(-1).ToUnixTimeMilliseconds());
        var gone = await _feed.SeedAsync($"{word} old question", date: old);

        // The sweep does not stop at it: the broken one goes with its work state, and so does the readable one after it.
        await Eventually(async () => (await _feed.Api().GetAsync($"/api/interests/{gone.Id}", Ct)).StatusCode == HttpStatusCode.NotFound, "the old record removed");
        Assert.False(await Db.KeyExistsAsync(RedisKeys.Interest(broken)));
        Assert.False(await Db.KeyExistsAsync(RedisKeys.InterestWork(broken)));
        Assert.Null(await Db.SortedSetScoreAsync(RedisKeys.InterestsByTime, broken));
    }

    [Fact]
    public async Task Retention_RecordRemovedWhileAnAgentsAnswerIsCounted_NoWorkStateLeftBehind()
    {
        var word = FeedSupport.UniqueWord();
        var old = DateTimeOffset.UtcNow.AddDays(-CrmHostFixture<GarnetFixture>.RetentionDays - 4);
        var record = await _feed.SeedAsync($"{word} old question", date: old);
        await Eventually(async () => (await _feed.Api().GetAsync($"/api/interests/{record.Id}", Ct)).StatusCode == HttpStatusCode.NotFound, "the old record removed");

        // The first-response count hears of the agent's answer only now (it was under way when the sweep removed the record).
        var answered = record with { Processed = true, ProcessedAt = DateTimeOffset.UtcNow, ProcessedBy = "agent:late-ann" };
        var firstResponses = factory.Services.GetServices<IInterestObserver>().OfType<FirstResponseCounters>().Single();
        await firstResponses.RecordChangedAsync(record, answered);

        Assert.False(await Db.KeyExistsAsync(RedisKeys.InterestWork(record.Id))); // no orphan work hash that no sweep would find
        Assert.False(await Db.KeyExistsAsync(RedisKeys.Interest(record.Id)));
    }

    [Fact]
    public async Task Removal_SeveralInstancesAtOnce_EachRecordRemovedOnce_NothingLeft()
    {
        var word = FeedSupport.UniqueWord();
        // Younger than the host's own retention: only the removers below touch them.
        var date = DateTimeOffset.UtcNow.AddDays(-10);
        var seeded = await Task.WhenAll(Enumerable.Range(0, 120).Select(i => _feed.SeedAsync($"{word} number {i}", date: date.AddSeconds(i))));
        var cutOff = DateTimeOffset.UtcNow.AddDays(-5);
        // Other tests' records younger than the cut-off are untouched; older ones of this test are all ours.
        var removed = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var total = 0;
            RemovalBatch batch;
            do
            {
                batch = await _feed.Log.RemoveOlderThanAsync(cutOff, 25);
                total += batch.Removed;
            }
            while (batch.Found > 0);
            return total;
        })));

        Assert.Equal(seeded.Length, removed.Sum());
        Assert.Empty(await _feed.IdsAsync($"?q={word}"));
        Assert.Equal(0, await Db.SortedSetLengthAsync(RedisKeys.InterestsByWord(word)));
        foreach (var record in seeded.Take(10))
        {
            Assert.False(await Db.KeyExistsAsync(RedisKeys.Interest(record.Id)));
        }
    }

    [Fact]
    public async Task Rules_ProductToItsAgentsInTurn_SourceToItsDepartmentsLeastLoaded_OthersLeftForTheGlobalMode()
    {
        await OnlineAsync("rule-ann", "support");
        await OnlineAsync("rule-bob", "support");
        await OnlineAsync("rule-cat", "social");
        await OnlineAsync("rule-dan", "social");
        await OnlineAsync("rule-eve", "support"); // not named by the kettle rule, not in social

        var kettles = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var record = await _feed.SeedAsync($"kettle question {i}", product: i % 2 == 0 ? "kettle" : "KETTLE", source: "webchat");
            kettles.Add((await _feed.RecordAsync(record.Id))["responsible"]!.GetValue<string>());
        }

        var firstVk = await _feed.SeedAsync("vk comment", source: "vk", action: "comment");
        var firstOwner = (await _feed.RecordAsync(firstVk.Id))["responsible"]!.GetValue<string>();
        var secondVk = await _feed.SeedAsync("another vk comment", source: "vk", action: "comment");
        var secondOwner = (await _feed.RecordAsync(secondVk.Id))["responsible"]!.GetValue<string>();
        var kettleOnVk = await _feed.SeedAsync("kettle on vk", source: "vk", product: "kettle");
        var neither = await _feed.SeedAsync("a telegram question", source: "telegram");

        Assert.Equal(2, kettles.Count(k => k == "agent:rule-ann"));
        Assert.Equal(2, kettles.Count(k => k == "agent:rule-bob"));
        Assert.NotEqual(kettles[0], kettles[1]);
        Assert.Equal(["agent:rule-cat", "agent:rule-dan"], new[] { firstOwner, secondOwner }.Order(StringComparer.Ordinal)); // least loaded: one each
        var kettleOnVkJson = await _feed.RecordAsync(kettleOnVk.Id);
        Assert.Contains(kettleOnVkJson["responsible"]!.GetValue<string>(), new[] { "agent:rule-ann", "agent:rule-bob" }); // the first rule wins
        Assert.Null(kettleOnVkJson["department"]?.GetValue<string>());
        Assert.Equal("social", (await _feed.RecordAsync(firstVk.Id))["department"]!.GetValue<string>());
        Assert.Equal("bot", (await _feed.RecordAsync(neither.Id))["responsible"]!.GetValue<string>()); // global mode None
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    private async Task OnlineAsync(string agentId, string department)
    {
        var agent = new AgentTestClient(factory, agentId);
        _agents.Add(agent);
        var response = await agent.Http.PutAsJsonAsync($"/api/agents/{agentId}/presence", new JsonObject
        {
            ["status"] = "online",
            ["departments"] = new JsonArray(department),
        }, Ct);
        response.EnsureSuccessStatusCode();
    }

    private Task<HttpResponseMessage> Tag(string id, JsonObject body) => _feed.Api("tagger").PostAsJsonAsync($"/api/interests/{id}/tags", body, Ct);

    private static async Task Eventually(Func<Task<bool>> condition, string what, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for: " + what);
            await Task.Delay(100, Ct);
        }
    }
}
