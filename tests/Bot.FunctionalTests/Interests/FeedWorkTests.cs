using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using SupportBot.FunctionalTests.Handoff;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Interests;

public sealed class FeedWorkOnRedisTests(ClaimHostFixture<RedisServerFixture> host)
    : FeedWorkTests(host.Factory), IClassFixture<ClaimHostFixture<RedisServerFixture>>;

public sealed class FeedWorkOnGarnetTests(ClaimHostFixture<GarnetFixture> host)
    : FeedWorkTests(host.Factory), IClassFixture<ClaimHostFixture<GarnetFixture>>;

/// <summary>Agents work the feed: take a record, mark it processed, answer it; and the pipeline marks what an agent answered.</summary>
public abstract class FeedWorkTests(BotFactory factory) : IAsyncDisposable
{
    private readonly FeedSupport _feed = new(factory);
    private readonly DirectLineTestClient _customer = new(factory.CreateClient());
    private readonly List<AgentTestClient> _agents = [];

    private AgentTestClient Agent(string name)
    {
        var agent = new AgentTestClient(factory, $"{name}-{Guid.NewGuid():N}"[..20]);
        _agents.Add(agent);
        return agent;
    }

    private static string NewAgentId(string name) => $"{name}-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task Take_TwoAgentsAtOnce_ExactlyOneWins_TheOtherIsToldWhoHasIt()
    {
        for (var round = 0; round < 5; round++)
        {
            var record = await _feed.SeedAsync("Can I pay by invoice?", responsible: "queue");
            var (ann, bob) = (NewAgentId("ann"), NewAgentId("bob"));

            var answers = await Task.WhenAll(
                _feed.Api(ann).PostAsync($"/api/interests/{record.Id}/take", null, Ct),
                _feed.Api(bob).PostAsync($"/api/interests/{record.Id}/take", null, Ct));

            var won = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
            var winner = won == answers[0] ? ann : bob;
            var problem = await ProblemAssert.IsProblemAsync(answers.Single(a => a != won), HttpStatusCode.Conflict);
            Assert.Contains("agent:" + winner, problem["detail"]!.GetValue<string>());
            Assert.Equal("agent:" + winner, (await _feed.RecordAsync(record.Id))["responsible"]!.GetValue<string>());
            Assert.Equal([record.Id], await _feed.IdsAsync($"?responsible=agent:{winner}"));
        }
    }

    [Fact]
    public async Task Take_Again_ByTheSameAgent_IsFine_AndAssignMovesItToAnother()
    {
        var record = await _feed.SeedAsync("Do you ship to Norway?");
        var (ann, cid) = (NewAgentId("ann"), NewAgentId("cid"));
        (await _feed.Api(ann).PostAsync($"/api/interests/{record.Id}/take", null, Ct)).EnsureSuccessStatusCode();
        (await _feed.Api(ann).PostAsync($"/api/interests/{record.Id}/take", null, Ct)).EnsureSuccessStatusCode();

        var assigned = await _feed.Api("supervisor").PostAsJsonAsync($"/api/interests/{record.Id}/assign", FeedSupport.Json("agentId", cid), Ct);

        Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);
        Assert.Equal("agent:" + cid, (await assigned.Content.ReadFromJsonAsync<JsonObject>(Ct))!["responsible"]!.GetValue<string>());
        Assert.Empty(await _feed.IdsAsync($"?responsible=agent:{ann}"));
        Assert.Equal([record.Id], await _feed.IdsAsync($"?responsible=agent:{cid}&processed=no"));
    }

    [Fact]
    public async Task ProcessedByHand_WithANote_LeavesTheOpenList_SecondTimeConflicts_ReopenBringsItBack()
    {
        var product = "Blender " + FeedSupport.UniqueWord();
        var record = await _feed.SeedAsync("Called about my blender", product, source: "website", action: "form");
        var dora = NewAgentId("dora");
        var open = "?processed=no&product=" + Uri.EscapeDataString(product);
        Assert.Equal([record.Id], await _feed.IdsAsync(open));

        var done = await _feed.Api(dora).PostAsJsonAsync($"/api/interests/{record.Id}/processed", FeedSupport.Json("note", "Called back, sent a new lid"), Ct);

        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        var stored = await _feed.RecordAsync(record.Id);
        Assert.True(stored["processed"]!.GetValue<bool>());
        Assert.Equal("agent:" + dora, stored["processedBy"]!.GetValue<string>());
        Assert.Equal("Called back, sent a new lid", stored["processedNote"]!.GetValue<string>());
        Assert.Equal("agent:" + dora, stored["responsible"]!.GetValue<string>()); // nobody had it: whoever did the work has it now
        Assert.Equal("Called about my blender", stored["text"]!.GetValue<string>()); // the record itself is as written
        Assert.Empty(await _feed.IdsAsync(open));
        var again = await ProblemAssert.IsProblemAsync(
            await _feed.Api(NewAgentId("eve")).PostAsJsonAsync($"/api/interests/{record.Id}/processed", FeedSupport.Json("note", "me too"), Ct), HttpStatusCode.Conflict);
        Assert.Contains("agent:" + dora, again["detail"]!.GetValue<string>());
        await ProblemAssert.IsProblemAsync(await _feed.Api(NewAgentId("eve")).PostAsync($"/api/interests/{record.Id}/take", null, Ct), HttpStatusCode.Conflict);

        (await _feed.Api(dora).DeleteAsync($"/api/interests/{record.Id}/processed", Ct)).EnsureSuccessStatusCode();

        var reopened = await _feed.RecordAsync(record.Id);
        Assert.False(reopened["processed"]!.GetValue<bool>());
        Assert.Null(reopened["processedNote"]);
        Assert.Equal([record.Id], await _feed.IdsAsync(open));
    }

    [Fact]
    public async Task AgentAnswersAnEscalatedChat_OverThePipeline_TheCustomersRecordsBecomeProcessedWithTheReplyAsEvidence()
    {
        var anna = Agent("anna");
        await anna.OnlineAsync(name: "Anna");
        var chat = await _customer.StartAsync();
        await _customer.SendAsync(chat, "I want to talk to a human");
        await _customer.WaitForBotMessagesAsync(chat, 3);
        var id = AgentTestClient.ConversationOf(chat);
        var question = Assert.Single(await MineAsync(id, "&processed=no"));
        Assert.Equal("queue", question["responsible"]!.GetValue<string>());

        (await anna.ClaimAsync(id)).EnsureSuccessStatusCode();
        (await anna.SendAsync(id, "Hi, I'm Anna. How can I help?")).EnsureSuccessStatusCode();
        await _customer.WaitForBotMessagesAsync(chat, 4);

        var answered = await WaitForAsync(question["id"]!.GetValue<string>(), r => r["processed"]!.GetValue<bool>());
        Assert.Equal("agent:" + anna.AgentId, answered["processedBy"]!.GetValue<string>());
        Assert.Equal("agent:" + anna.AgentId, answered["responsible"]!.GetValue<string>());
        Assert.StartsWith(chat.ConversationId + "|", answered["replyMessageId"]!.GetValue<string>());
        Assert.Empty(await MineAsync(id, "&processed=no"));
    }

    [Fact]
    public async Task AgentTakesAQueuedChat_ItsWaitingRecordsFollowTheChat_ToTheNextAgentAndBackToTheQueue()
    {
        var (gus, hal) = (Agent("gus"), Agent("hal"));
        await gus.OnlineAsync(name: "Gus");
        await hal.OnlineAsync(name: "Hal");
        var (id, recordId) = await WaitingCustomerAsync();

        (await gus.ClaimAsync(id)).EnsureSuccessStatusCode();

        // Gus has the chat before he has written a word: the feed shows him, not "Queue — Take it".
        var held = await _feed.RecordAsync(recordId);
        Assert.Equal("agent:" + gus.AgentId, held["responsible"]!.GetValue<string>());
        Assert.False(held["processed"]!.GetValue<bool>());
        var taken = await ProblemAssert.IsProblemAsync(await _feed.Api(NewAgentId("ida")).PostAsync($"/api/interests/{recordId}/take", null, Ct), HttpStatusCode.Conflict);
        Assert.Contains("agent:" + gus.AgentId, taken["detail"]!.GetValue<string>());

        (await gus.TransferAsync(id, new JsonObject { ["agentId"] = hal.AgentId })).EnsureSuccessStatusCode();
        Assert.Equal("agent:" + hal.AgentId, (await _feed.RecordAsync(recordId))["responsible"]!.GetValue<string>());

        (await hal.TransferAsync(id, new JsonObject { ["department"] = "billing" })).EnsureSuccessStatusCode();
        Assert.Equal("queue", (await _feed.RecordAsync(recordId))["responsible"]!.GetValue<string>());
    }

    [Fact]
    public async Task ARecordTakenByHand_StaysWithItsAgent_WhenAnotherAgentClaimsTheChat()
    {
        var jo = Agent("jo");
        await jo.OnlineAsync(name: "Jo");
        var (id, recordId) = await WaitingCustomerAsync();
        var kim = NewAgentId("kim");
        (await _feed.Api(kim).PostAsync($"/api/interests/{recordId}/take", null, Ct)).EnsureSuccessStatusCode();

        (await jo.ClaimAsync(id)).EnsureSuccessStatusCode();

        Assert.Equal("agent:" + kim, (await _feed.RecordAsync(recordId))["responsible"]!.GetValue<string>());
    }

    [Fact]
    public async Task ReplyFromTheFeed_ReachesTheCustomer_ThenTheRecordIsProcessed_AndASecondReplyConflicts()
    {
        var chat = await _customer.StartAsync();
        await _customer.SendAsync(chat, "I want to talk to a human");
        await _customer.WaitForBotMessagesAsync(chat, 3);
        var question = Assert.Single(await MineAsync(AgentTestClient.ConversationOf(chat), "&processed=no"));
        var recordId = question["id"]!.GetValue<string>();
        var fay = NewAgentId("fay");

        var reply = await _feed.Api(fay).PostAsJsonAsync($"/api/interests/{recordId}/reply", FeedSupport.Json("text", "We will call you within the hour."), Ct);

        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        var received = await _customer.WaitForBotMessagesAsync(chat, 4);
        Assert.Equal("We will call you within the hour.", received[3]["text"]!.GetValue<string>());
        var processed = await WaitForAsync(recordId, r => r["processed"]!.GetValue<bool>());
        Assert.Equal("agent:" + fay, processed["processedBy"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(processed["replyMessageId"]?.GetValue<string>()));
        var again = await ProblemAssert.IsProblemAsync(
            await _feed.Api(fay).PostAsJsonAsync($"/api/interests/{recordId}/reply", FeedSupport.Json("text", "Again"), Ct), HttpStatusCode.Conflict);
        Assert.Contains("processed", again["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task ReplyFromTheFeed_InAChatAnotherAgentHolds_Conflicts()
    {
        var gus = Agent("gus");
        await gus.OnlineAsync();
        var chat = await _customer.StartAsync();
        await _customer.SendAsync(chat, "I want to talk to a human");
        await _customer.WaitForBotMessagesAsync(chat, 3);
        var id = AgentTestClient.ConversationOf(chat);
        (await gus.ClaimAsync(id)).EnsureSuccessStatusCode();
        var recordId = Assert.Single(await MineAsync(id, "&processed=no"))["id"]!.GetValue<string>();

        var problem = await ProblemAssert.IsProblemAsync(
            await _feed.Api(NewAgentId("hal")).PostAsJsonAsync($"/api/interests/{recordId}/reply", FeedSupport.Json("text", "Hello"), Ct), HttpStatusCode.Conflict);

        Assert.Contains("agent:" + gus.AgentId, problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task BadWork_400_NoKey_401_UnknownRecord_404_TooLarge_413()
    {
        var record = await _feed.SeedAsync("Is the store open on Sunday?");
        var ivy = _feed.Api(NewAgentId("ivy"));
        var url = $"/api/interests/{record.Id}";

        Assert.Contains("note", (await ProblemAssert.IsProblemAsync(await ivy.PostAsJsonAsync(url + "/processed", new JsonObject(), Ct), HttpStatusCode.BadRequest))["detail"]!.GetValue<string>());
        Assert.Contains("note", (await ProblemAssert.IsProblemAsync(await ivy.PostAsJsonAsync(url + "/processed", FeedSupport.Json("note", new string('n', 1001)), Ct), HttpStatusCode.BadRequest))["detail"]!.GetValue<string>());
        Assert.Contains("text", (await ProblemAssert.IsProblemAsync(await ivy.PostAsJsonAsync(url + "/reply", FeedSupport.Json("text", "  "), Ct), HttpStatusCode.BadRequest))["detail"]!.GetValue<string>());
        Assert.Contains("agentId", (await ProblemAssert.IsProblemAsync(await ivy.PostAsJsonAsync(url + "/assign", FeedSupport.Json("agentId", "no spaces allowed"), Ct), HttpStatusCode.BadRequest))["detail"]!.GetValue<string>());
        Assert.Contains("X-Agent-Id", (await ProblemAssert.IsProblemAsync(await _feed.Api().PostAsync(url + "/take", null, Ct), HttpStatusCode.BadRequest))["detail"]!.GetValue<string>());

        await ProblemAssert.IsProblemAsync(await _feed.Api("ivy", key: null).PostAsync(url + "/take", null, Ct), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(await _feed.Api(key: null).GetAsync("/api/interests/export.csv", Ct), HttpStatusCode.Unauthorized);

        await ProblemAssert.IsProblemAsync(await ivy.PostAsync("/api/interests/in-0123456789abcdef01234567/take", null, Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await ivy.PostAsJsonAsync("/api/interests/in-0123456789abcdef01234567/processed", FeedSupport.Json("note", "x"), Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await ivy.PostAsJsonAsync("/api/interests/in-0123456789abcdef01234567/reply", FeedSupport.Json("text", "x"), Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await ivy.PostAsync("/api/interests/{nope}/take", null, Ct), HttpStatusCode.NotFound);

        var huge = new StringContent("{\"text\":\"" + new string('x', 20_000) + "\"}", Encoding.UTF8, "application/json");
        await ProblemAssert.IsProblemAsync(await ivy.PostAsync(url + "/reply", huge, Ct), HttpStatusCode.RequestEntityTooLarge);

        Assert.False((await _feed.RecordAsync(record.Id))["processed"]!.GetValue<bool>()); // none of that changed the record
    }

    /// <summary>A web chat that asked for a person and waits in the queue: its conversation id and its open record.</summary>
    private async Task<(string ConversationId, string RecordId)> WaitingCustomerAsync()
    {
        var chat = await _customer.StartAsync();
        await _customer.SendAsync(chat, "I want to talk to a human");
        await _customer.WaitForBotMessagesAsync(chat, 3);
        var id = AgentTestClient.ConversationOf(chat);
        return (id, Assert.Single(await MineAsync(id, "&processed=no"))["id"]!.GetValue<string>());
    }

    /// <summary>The inbound records of one of our conversations (written before the bot's replies go out).</summary>
    private async Task<List<JsonObject>> MineAsync(string conversationId, string filter) =>
        [.. (await _feed.PageAsync("?source=webchat&pageSize=500" + filter))["items"]!.AsArray()
            .Select(i => i!.AsObject()).Where(i => i["conversationId"]!.GetValue<string>() == conversationId)];

    private async Task<JsonObject> WaitForAsync(string recordId, Func<JsonObject, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var record = await _feed.RecordAsync(recordId);
            if (done(record))
            {
                return record;
            }

            Assert.True(DateTime.UtcNow < deadline, $"record {recordId} did not change as expected: {record.ToJsonString()}");
            await Task.Delay(50, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
