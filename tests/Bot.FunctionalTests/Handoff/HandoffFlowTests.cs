using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.AgentTestClient;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Handoff;

public sealed class HandoffFlowOnRedisTests(ClaimHostFixture<RedisServerFixture> host)
    : HandoffFlowTests(host.Factory), IClassFixture<ClaimHostFixture<RedisServerFixture>>;

public sealed class HandoffFlowOnGarnetTests(ClaimHostFixture<GarnetFixture> host)
    : HandoffFlowTests(host.Factory), IClassFixture<ClaimHostFixture<GarnetFixture>>;

/// <summary>A customer on the website chat and agents on the handoff API, end to end through the real host.</summary>
public abstract class HandoffFlowTests(BotFactory factory) : IAsyncDisposable
{
    private readonly DirectLineTestClient _customer = new(factory.CreateClient());
    private readonly List<AgentTestClient> _agents = [];

    private AgentTestClient Agent(string name)
    {
        var agent = new AgentTestClient(factory, $"{name}-{Guid.NewGuid():N}"[..20]);
        _agents.Add(agent);
        return agent;
    }

    private SupportBot.Dialogs.Content.BotMessages ShippedMessages =>
        factory.Services.GetRequiredService<SupportBot.Dialogs.Content.ContentLibrary>().Current.Messages;

    /// <summary>A customer who asked for a person and was told their place in line.</summary>
    private async Task<(StartedConversation Chat, string Id)> WaitingCustomerAsync()
    {
        var chat = await _customer.StartAsync();
        await _customer.SendAsync(chat, "I want to talk to a human");
        var replies = await _customer.WaitForBotMessagesAsync(chat, 3);
        Assert.Matches(@"number \d+ in line", replies[2]["text"]!.GetValue<string>());
        return (chat, ConversationOf(chat));
    }

    [Fact]
    public async Task QueuedOvernight_AsksForPersonAgainAfterOpening_IsToldTheirPlace_NotLeftUnanswered()
    {
        var (chat, id) = await WaitingCustomerAsync();
        // As it is after a night in the queue: queued after hours (the bot kept the chat), the department open now, nobody free yet.
        var db = factory.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
        await db.HashSetAsync(SupportBot.Handoff.RedisKeys.HandoffChat(id), "ah", "1");
        await db.StringSetAsync(SupportBot.Handoff.RedisKeys.Owner(id), "bot");

        await _customer.SendAsync(chat, "I want to talk to a human");

        var replies = await _customer.WaitForBotMessagesAsync(chat, 5);
        Assert.Matches(@"number \d+ in line", replies[4]["text"]!.GetValue<string>());
        Assert.Equal("queued", Status(await Agent("olga").DetailsAsync(id)));

        // The conversation goes on: the next message is answered too.
        await _customer.SendAsync(chat, "How long does delivery take?");
        await _customer.WaitForBotMessagesAsync(chat, 6);
    }

    [Fact]
    public async Task AskForPerson_WithNobodyOnline_IsToldTheirPlaceWithoutAMadeUpWait_WithSomeoneOnline_AWaitInMinutes()
    {
        var first = await _customer.StartAsync();
        await _customer.SendAsync(first, "I want to talk to a human");
        var nobodyIn = (await _customer.WaitForBotMessagesAsync(first, 3))[2]["text"]!.GetValue<string>();
        Assert.Matches(@"^You're number \d+ in line\. Nobody from our team is online at this moment", nobodyIn);
        Assert.DoesNotContain("min", nobodyIn);

        await Agent("kim").OnlineAsync(capacity: 1); // claims nothing here: the line does not move, but now it has a pace
        var second = await _customer.StartAsync();
        await _customer.SendAsync(second, "I want to talk to a human");
        var estimated = (await _customer.WaitForBotMessagesAsync(second, 3))[2]["text"]!.GetValue<string>();
        Assert.Matches(@"^You're number \d+ in line; the wait is about \d+ min\.$", estimated);
    }

    [Fact]
    public async Task WaitingCustomerWritesAgain_EveryAgentHearsThatTheChatMoved_ButNotTheWords()
    {
        var ivy = Agent("ivy");
        Assert.Equal(HttpStatusCode.OK, (await ivy.SetPresenceAsync("away", name: "Ivy")).StatusCode); // away: no chat is given to her
        await ivy.ConnectHubAsync();
        var (chat, id) = await WaitingCustomerAsync();

        await _customer.SendAsync(chat, "my card ends in 4242");
        var heard = await ivy.NextNoticeAsync(n => n["type"]?.GetValue<string>() == "queue_message" && n["conversationId"]?.GetValue<string>() == id);
        Assert.Null(heard["text"]); // the chat is nobody's yet: its words go to no agent's screen unasked
        Assert.Equal("queued", Status(await ivy.DetailsAsync(id)));
    }

    [Fact]
    public async Task AskForPerson_AgentClaimsAndAnswers_CustomerReadsIt_BotStaysSilent_AgentHearsCustomerLive()
    {
        var anna = Agent("anna");
        await anna.OnlineAsync(name: "Anna");
        await anna.ConnectHubAsync();
        var (chat, id) = await WaitingCustomerAsync();

        var queue = await anna.GetAsync("/api/handoff/queue");
        var waiting = queue["items"]!.AsArray().Single(i => i!["conversationId"]!.GetValue<string>() == id)!;
        Assert.Equal("support", waiting["department"]!.GetValue<string>());
        Assert.Equal("customer-request", waiting["reason"]!.GetValue<string>());
        Assert.Equal("webchat", waiting["customer"]!["channel"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await anna.ClaimAsync(id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anna.SendAsync(id, "Hi, I'm Anna. How can I help?")).StatusCode);
        var received = await _customer.WaitForBotMessagesAsync(chat, 4);
        Assert.Equal("Hi, I'm Anna. How can I help?", received[3]["text"]!.GetValue<string>());
        Assert.Equal("Anna", received[3]["from"]!["name"]!.GetValue<string>());

        // The customer's words reach Anna live; the bot, which would answer this FAQ question, stays out of it.
        await _customer.SendAsync(chat, "How long does delivery take?");
        var heard = await anna.NextNoticeAsync(n => n["type"]?.GetValue<string>() == "customer_message" && n["conversationId"]?.GetValue<string>() == id);
        Assert.Equal("How long does delivery take?", heard["text"]!.GetValue<string>());
        await Task.Delay(500, Ct);
        Assert.Equal(4, DirectLineTestClient.BotMessages(await _customer.GetActivitiesAsync(chat)).Count);

        var details = await anna.DetailsAsync(id);
        Assert.Equal("assigned", Status(details));
        Assert.Equal(["escalated", "queued", "assigned", "agent_message", "customer_message"], EventTypes(details));
        var transcript = details["transcript"]!.AsArray().Select(e => (e!["from"]!.GetValue<string>(), e["text"]?.GetValue<string>())).ToList();
        Assert.Contains(("customer", "I want to talk to a human"), transcript);
        Assert.Contains(("agent", "Hi, I'm Anna. How can I help?"), transcript);
        Assert.Equal(("customer", "How long does delivery take?"), transcript[^1]);
        Assert.Contains(transcript, e => e.Item1 == "bot");
        Assert.NotNull(details["figures"]!["firstResponseMs"]);

        var mine = await anna.GetAsync("/api/handoff/mine");
        Assert.Contains(mine["items"]!.AsArray(), i => i!["chat"]!["conversationId"]!.GetValue<string>() == id);
    }

    [Fact]
    public async Task TwoAgentsClaimTheSameChat_FirstWins_SecondGetsConflict_AndCannotWriteToIt()
    {
        var first = Agent("first");
        var second = Agent("second");
        await first.OnlineAsync();
        await second.OnlineAsync();
        var (_, id) = await WaitingCustomerAsync();

        var claims = await Task.WhenAll(first.ClaimAsync(id), second.ClaimAsync(id));

        Assert.Single(claims, c => c.StatusCode == HttpStatusCode.OK);
        var loser = claims[0].StatusCode == HttpStatusCode.OK ? second : first;
        await ProblemAssert.IsProblemAsync(claims.Single(c => c.StatusCode != HttpStatusCode.OK), HttpStatusCode.Conflict);
        await ProblemAssert.IsProblemAsync(await loser.SendAsync(id, "me too"), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await loser.ResolveAsync(id), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Resolve_BackToBot_AndTheCustomerWritingAgainReturnsToTheSameAgent()
    {
        var boris = Agent("boris");
        await boris.OnlineAsync();
        var (chat, id) = await WaitingCustomerAsync();
        (await boris.ClaimAsync(id)).EnsureSuccessStatusCode();
        (await boris.SendAsync(id, "Your parcel left today.")).EnsureSuccessStatusCode();
        (await boris.ResolveAsync(id, "answered")).EnsureSuccessStatusCode();
        var resolved = await boris.DetailsAsync(id);
        Assert.Equal("resolved", Status(resolved));
        Assert.Equal("bot", resolved["owner"]!.GetValue<string>());
        Assert.NotNull(resolved["figures"]!["handleMs"]);

        await _customer.SendAsync(chat, "One more thing about my parcel");
        var back = await boris.WaitForAsync(id, d => Status(d) == "offered");
        Assert.Equal(boris.AgentId, back["chat"]!["agentId"]!.GetValue<string>());
        Assert.Equal("returning", back["events"]!.AsArray().Last(e => e!["type"]!.GetValue<string>() == "offered")!["why"]!.GetValue<string>());
        await Task.Delay(300, Ct);
        // Greeting, ack, position, Boris, the customer told the chat was closed (before, nothing: they wrote on to no one)
        // and asked to rate it — no bot answer to the message that went back to Boris, which was no rating.
        var said = DirectLineTestClient.BotMessages(await _customer.GetActivitiesAsync(chat));
        Assert.Equal(6, said.Count);
        Assert.Equal(ShippedMessages.ChatResolved["en"], said[4]["text"]!.GetValue<string>());
        Assert.Equal(ShippedMessages.SatisfactionQuestion["en"], said[5]["text"]!.GetValue<string>());
        Assert.DoesNotContain("rated", EventTypes(back));
    }

    [Fact]
    public async Task Resolved_TheCustomerRatesTheChat_TheAgentsFiguresAndTheChatShowIt_CountedOnce()
    {
        var greta = Agent("greta");
        await greta.OnlineAsync();
        var (chat, id) = await WaitingCustomerAsync();
        (await greta.ClaimAsync(id)).EnsureSuccessStatusCode();
        (await greta.SendAsync(id, "Your refund is on its way.")).EnsureSuccessStatusCode();
        (await greta.ResolveAsync(id, "answered")).EnsureSuccessStatusCode();

        // Greeting, ack, position, Greta, "closed", and the question with the ratings 1–5 as buttons.
        var said = await _customer.WaitForBotMessagesAsync(chat, 6);
        Assert.Equal(ShippedMessages.ChatResolved["en"], said[4]["text"]!.GetValue<string>());
        Assert.Equal(ShippedMessages.SatisfactionQuestion["en"], said[5]["text"]!.GetValue<string>());
        Assert.Equal(["1", "2", "3", "4", "5"], said[5]["suggestedActions"]!["actions"]!.AsArray().Select(a => a!["value"]!.GetValue<string>()));

        await _customer.SendAsync(chat, "4");

        Assert.Equal(ShippedMessages.SatisfactionThanks["en"], (await _customer.WaitForBotMessagesAsync(chat, 7))[6]["text"]!.GetValue<string>());
        // A rating is not the customer writing again: the chat stays closed, and Greta is not offered it back.
        var details = await greta.DetailsAsync(id);
        Assert.Equal("resolved", Status(details));
        var rated = details["events"]!.AsArray().Last()!;
        Assert.Equal(("rated", 4, greta.AgentId), (rated["type"]!.GetValue<string>(), rated["rating"]!.GetValue<int>(), rated["agent"]!.GetValue<string>()));
        Assert.Equal((1, 4.0, 1.0), await RatingOfAsync(greta));

        // Pressed again (Telegram's and VK's buttons stay under the question): thanked, not counted, and not taken for the
        // customer writing again.
        await _customer.SendAsync(chat, "5");
        Assert.Equal(ShippedMessages.SatisfactionThanks["en"], (await _customer.WaitForBotMessagesAsync(chat, 8))[7]["text"]!.GetValue<string>());
        Assert.Equal((1, 4.0, 1.0), await RatingOfAsync(greta));
        Assert.Equal("resolved", Status(await greta.DetailsAsync(id)));

        // Anything else ends the survey: this is the customer writing again (back to Greta), and a "3" after it is no rating.
        await _customer.SendAsync(chat, "One more thing about my refund");
        await greta.WaitForAsync(id, d => Status(d) == "offered");
        await _customer.SendAsync(chat, "3");
        await greta.WaitForAsync(id, d => d["transcript"]!.AsArray().Any(e => e!["text"]?.GetValue<string>() == "3"));
        Assert.Equal((1, 4.0, 1.0), await RatingOfAsync(greta));
        Assert.Equal(8, DirectLineTestClient.BotMessages(await _customer.GetActivitiesAsync(chat)).Count);
    }

    [Fact]
    public async Task Resolved_ALowRating_TheCustomerIsToldHowToGetAPersonBack()
    {
        var hugo = Agent("hugo");
        await hugo.OnlineAsync();
        var (chat, id) = await WaitingCustomerAsync();
        (await hugo.ClaimAsync(id)).EnsureSuccessStatusCode();
        (await hugo.ResolveAsync(id)).EnsureSuccessStatusCode();
        await _customer.WaitForBotMessagesAsync(chat, 5);

        await _customer.SendAsync(chat, "1 из 5");

        Assert.Equal(ShippedMessages.SatisfactionSorry["en"], (await _customer.WaitForBotMessagesAsync(chat, 6))[5]["text"]!.GetValue<string>());
        Assert.Equal((1, 1.0, 0.0), await RatingOfAsync(hugo));
        // Listed for a supervisor to follow up on, with whose chat it was.
        var low = (await hugo.GetAsync("/api/reports/agents"))["lowRatings"]!.AsArray().Single(r => r!["conversationId"]!.GetValue<string>() == id)!;
        Assert.Equal((1, hugo.AgentId, "webchat"), (low["rating"]!.GetValue<int>(), low["agentId"]!.GetValue<string>(), low["sourceType"]!.GetValue<string>()));
        await _customer.SendAsync(chat, "human");
        await hugo.WaitForAsync(id, d => Status(d) is "offered" or "queued");
    }

    /// <summary>The agent's customer ratings in the agents report: how many, their average, the share of 4 and 5.</summary>
    private static async Task<(int Count, double? Average, double? Satisfied)> RatingOfAsync(AgentTestClient agent)
    {
        var report = await agent.GetAsync("/api/reports/agents");
        var rating = report["agents"]!.AsArray().Single(a => a!["agentId"]!.GetValue<string>() == agent.AgentId)!["rating"]!;
        return (rating["count"]!.GetValue<int>(), rating["average"]?.GetValue<double>(), rating["satisfiedRate"]?.GetValue<double>());
    }

    [Fact]
    public async Task Resolved_ButTheHostDiedBeforeTellingTheCustomer_TheyAreToldOnceAnyway()
    {
        var dora = Agent("dora");
        await dora.OnlineAsync();
        var (chat, id) = await WaitingCustomerAsync();
        (await dora.ClaimAsync(id)).EnsureSuccessStatusCode();
        (await dora.SendAsync(id, "All sorted.")).EnsureSuccessStatusCode();
        await _customer.WaitForBotMessagesAsync(chat, 4);

        // What a host that died right after the close leaves behind: the chat closed in the store (with the hand-back
        // to tell, written by the same script), and no notice in the conversation. It was a minute ago.
        var store = factory.Services.GetRequiredService<SupportBot.Handoff.HandoffStore>();
        var handBack = SupportBot.Handoff.HandBackToTell.New("resolved", id);
        Assert.True((await store.ResolveAsync(id, dora.AgentId, "answered", TimeSpan.FromHours(1), handBack.Token)).Succeeded);
        var db = factory.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
        await db.SortedSetAddAsync(SupportBot.Handoff.RedisKeys.HandBacksToTell, handBack.Member, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds());

        // The handoff monitor (any instance, every second) finds it and tells the customer (and asks them to rate the chat).
        var said = await _customer.WaitForBotMessagesAsync(chat, 6);
        Assert.Equal(ShippedMessages.ChatResolved["en"], said[4]["text"]!.GetValue<string>());
        Assert.Null(await db.SortedSetScoreAsync(SupportBot.Handoff.RedisKeys.HandBacksToTell, handBack.Member));

        // Told twice (both the host and the monitor got to it): the customer still reads it once.
        await db.SortedSetAddAsync(SupportBot.Handoff.RedisKeys.HandBacksToTell, handBack.Member, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds());
        for (var deadline = DateTime.UtcNow.AddSeconds(15); await db.SortedSetScoreAsync(SupportBot.Handoff.RedisKeys.HandBacksToTell, handBack.Member) is not null;)
        {
            Assert.True(DateTime.UtcNow < deadline, "the monitor never sent it again");
            await Task.Delay(50, Ct);
        }

        await Task.Delay(500, Ct); // time for a second line to show, were there one
        Assert.Equal(6, DirectLineTestClient.BotMessages(await _customer.GetActivitiesAsync(chat)).Count);
    }

    [Fact]
    public async Task ReturnToBot_TheBotAnswersTheNextQuestion()
    {
        var carla = Agent("carla");
        await carla.OnlineAsync();
        var (chat, id) = await WaitingCustomerAsync();
        (await carla.ClaimAsync(id)).EnsureSuccessStatusCode();

        (await carla.ReturnAsync(id)).EnsureSuccessStatusCode();
        // The customer is told the bot answers again (before, nothing), then asks the bot.
        Assert.Equal(ShippedMessages.ChatReturned["en"], (await _customer.WaitForBotMessagesAsync(chat, 4))[3]["text"]!.GetValue<string>());
        await _customer.SendAsync(chat, "Which payment methods do you accept?");

        var replies = await _customer.WaitForBotMessagesAsync(chat, 5);
        Assert.Contains("card", replies[4]["text"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("returned", Status(await carla.DetailsAsync(id)));
        var toTell = await factory.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase()
            .SortedSetRangeByRankAsync(SupportBot.Handoff.RedisKeys.HandBacksToTell);
        Assert.DoesNotContain(toTell, m => m.ToString().EndsWith("|" + id, StringComparison.Ordinal)); // told at once: nothing left for the monitor
    }

    /// <summary>A customer in the middle of the call-back intake: the bot has just asked for their name.</summary>
    private async Task<(StartedConversation Chat, string ConversationId)> AskedForTheirNameByTheIntakeAsync()
    {
        var chat = await _customer.StartAsync();
        await _customer.SendAsync(chat, "Please call me back");
        Assert.Equal("What is your name?", (await _customer.WaitForBotMessagesAsync(chat, 2))[1]["text"]!.GetValue<string>());
        return (chat, ConversationOf(chat));
    }

    [Fact]
    public async Task AgentPullsAChatMidDialog_AfterTheHandBack_TheBotDoesNotTakeTheNextQuestionAsTheOldAnswer()
    {
        var erik = Agent("erik");
        await erik.OnlineAsync();
        var (chat, id) = await AskedForTheirNameByTheIntakeAsync();

        // The agent pulls the chat from the bot mid-dialog, the customer talks to them, the agent hands back.
        (await erik.ClaimAsync(id)).EnsureSuccessStatusCode();
        await _customer.SendAsync(chat, "Hello, I only wanted to ask about payment");
        await erik.WaitForAsync(id, d => d["transcript"]!.AsArray().Any(e => e!["text"]?.GetValue<string>() == "Hello, I only wanted to ask about payment"));
        (await erik.ReturnAsync(id)).EnsureSuccessStatusCode();
        await _customer.SendAsync(chat, "Which payment methods do you accept?");

        // Answered (after the notice that the bot is back), not taken as the customer's name for the call-back request.
        var replies = await _customer.WaitForBotMessagesAsync(chat, 4);
        Assert.Equal(ShippedMessages.ChatReturned["en"], replies[2]["text"]!.GetValue<string>());
        Assert.Contains("card", replies[3]["text"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AgentPullsAChatMidDialog_AndHandsItBackBeforeTheCustomerWrites_TheNextQuestionIsAnswered()
    {
        var fred = Agent("fred");
        await fred.OnlineAsync();
        var (chat, id) = await AskedForTheirNameByTheIntakeAsync();

        // The agent takes over, answers at once and hands back: the customer never wrote to them.
        (await fred.ClaimAsync(id)).EnsureSuccessStatusCode();
        (await fred.SendAsync(id, "Hi, Fred here: no need for a call back, your refund went out today.")).EnsureSuccessStatusCode();
        await _customer.WaitForBotMessagesAsync(chat, 3);
        (await fred.ReturnAsync(id)).EnsureSuccessStatusCode();
        await _customer.SendAsync(chat, "Which payment methods do you accept?");

        var replies = await _customer.WaitForBotMessagesAsync(chat, 5);
        Assert.Equal(ShippedMessages.ChatReturned["en"], replies[3]["text"]!.GetValue<string>());
        Assert.Contains("card", replies[4]["text"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task NeverMind_WhileWaiting_LeavesTheQueue()
    {
        var dora = Agent("dora");
        var (chat, id) = await WaitingCustomerAsync();

        await _customer.SendAsync(chat, "never mind");
        var replies = await _customer.WaitForBotMessagesAsync(chat, 4);

        Assert.Contains("I'm back", replies[3]["text"]!.GetValue<string>());
        var details = await dora.DetailsAsync(id);
        Assert.Equal("abandoned", Status(details));
        Assert.Equal("abandoned", EventTypes(details).Last());
        var queue = await dora.GetAsync("/api/handoff/queue");
        Assert.DoesNotContain(queue["items"]!.AsArray(), i => i!["conversationId"]!.GetValue<string>() == id);
    }

    [Fact]
    public async Task Transfer_ToAnotherAgentWithANote_ThenToADepartment()
    {
        var emil = Agent("emil");
        var fay = Agent("fay");
        await emil.OnlineAsync();
        await fay.OnlineAsync();
        var (_, id) = await WaitingCustomerAsync();
        (await emil.ClaimAsync(id)).EnsureSuccessStatusCode();

        (await emil.TransferAsync(id, new JsonObject { ["agentId"] = fay.AgentId, ["note"] = "Refund question" })).EnsureSuccessStatusCode();
        await ProblemAssert.IsProblemAsync(await emil.SendAsync(id, "still me"), HttpStatusCode.Forbidden);
        (await fay.SendAsync(id, "Fay here, about your refund.")).EnsureSuccessStatusCode();
        var transferred = (await fay.DetailsAsync(id))["events"]!.AsArray().Single(e => e!["type"]!.GetValue<string>() == "transferred")!;
        Assert.Equal("Refund question", transferred["note"]!.GetValue<string>());
        Assert.Equal(emil.AgentId, transferred["from"]!.GetValue<string>());

        (await fay.TransferAsync(id, new JsonObject { ["department"] = "billing" })).EnsureSuccessStatusCode();
        var queue = await fay.GetAsync("/api/handoff/queue?department=billing");
        Assert.Contains(queue["items"]!.AsArray(), i => i!["conversationId"]!.GetValue<string>() == id);
        Assert.Equal("queued", (await fay.DetailsAsync(id))["owner"]!.GetValue<string>());
    }

    [Fact]
    public async Task ThreeMisunderstoodMessagesInARow_BringInAPerson()
    {
        var gus = Agent("gus");
        var chat = await _customer.StartAsync();
        foreach (var nonsense in new[] { "qwzx vbnm plk", "zzkq wvvx trrp", "xqj kkvw zzpl" })
        {
            await _customer.SendAsync(chat, nonsense);
        }

        var details = await gus.WaitForAsync(ConversationOf(chat), d => Status(d) == "queued");
        Assert.Equal("unrecognized", details["chat"]!["reason"]!.GetValue<string>());
        var replies = await _customer.WaitForBotMessagesAsync(chat, 5);
        Assert.Contains(replies, r => r["text"]!.GetValue<string>().Contains("passing you to a person", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AgentPullsAConversationTheBotIsHandling_TheBotStopsAnswering()
    {
        var ivy = Agent("ivy");
        await ivy.OnlineAsync();
        var chat = await _customer.StartAsync();
        await _customer.SendAsync(chat, "Which payment methods do you accept?");
        await _customer.WaitForBotMessagesAsync(chat, 2);

        (await ivy.ClaimAsync(ConversationOf(chat))).EnsureSuccessStatusCode();
        await _customer.SendAsync(chat, "How long does delivery take?");
        await ivy.WaitForAsync(ConversationOf(chat), d => EventTypes(d).Contains("customer_message"));

        var details = await ivy.DetailsAsync(ConversationOf(chat));
        Assert.Equal("agent-pulled", details["chat"]!["reason"]!.GetValue<string>());
        Assert.Equal(2, DirectLineTestClient.BotMessages(await _customer.GetActivitiesAsync(chat)).Count);
    }

    [Fact]
    public async Task BadRequests_AreProblemDetails_NeverServerErrors()
    {
        var hana = Agent("hana");
        await hana.OnlineAsync();
        var (_, id) = await WaitingCustomerAsync();

        var anonymous = factory.CreateClient();
        await ProblemAssert.IsProblemAsync(await anonymous.GetAsync("/api/handoff/queue", Ct), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(await new AgentTestClient(factory, "x", apiKey: "wrong-key").ClaimAsync(id), HttpStatusCode.Unauthorized);

        var nobody = factory.CreateClient();
        nobody.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        await ProblemAssert.IsProblemAsync(await nobody.PostAsync($"/api/handoff/{id}/claim", null, Ct), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await new AgentTestClient(factory, "not an id!").ClaimAsync(id), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await hana.ClaimAsync("webchat:{bad}"), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await hana.ClaimAsync("webchat:00000000000000000000000000000000"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await hana.Http.GetAsync("/api/handoff/webchat:00000000000000000000000000000000", Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await hana.ResolveAsync(id), HttpStatusCode.Conflict); // waiting, nobody holds it
        await ProblemAssert.IsProblemAsync(await hana.SendAsync(id, "hello"), HttpStatusCode.Conflict);

        (await hana.ClaimAsync(id)).EnsureSuccessStatusCode();
        await ProblemAssert.IsProblemAsync(await hana.SendAsync(id, "   "), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await hana.SendAsync(id, new string('x', 4097)), HttpStatusCode.BadRequest);
        var malformed = new StringContent("{\"text\": ", System.Text.Encoding.UTF8, "application/json");
        await ProblemAssert.IsProblemAsync(await hana.Http.PostAsync($"/api/handoff/{id}/messages", malformed, Ct), HttpStatusCode.BadRequest);
        var notJson = new StringContent("text=hi", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        await ProblemAssert.IsProblemAsync(await hana.Http.PostAsync($"/api/handoff/{id}/messages", notJson, Ct), HttpStatusCode.UnsupportedMediaType);
        var huge = new StringContent("{\"text\":\"" + new string('y', 40_000) + "\"}", System.Text.Encoding.UTF8, "application/json");
        await ProblemAssert.IsProblemAsync(await hana.Http.PostAsync($"/api/handoff/{id}/messages", huge, Ct), HttpStatusCode.RequestEntityTooLarge);
        var nested = new StringContent(new string('[', 100) + new string(']', 100), System.Text.Encoding.UTF8, "application/json");
        await ProblemAssert.IsProblemAsync(await hana.Http.PostAsync($"/api/handoff/{id}/messages", nested, Ct), HttpStatusCode.BadRequest);

        await ProblemAssert.IsProblemAsync(await hana.TransferAsync(id, []), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await hana.TransferAsync(id, new JsonObject { ["department"] = "nowhere" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await hana.TransferAsync(id, new JsonObject { ["agentId"] = "nobody-online" }), HttpStatusCode.Conflict);
        await ProblemAssert.IsProblemAsync(await hana.TransferAsync(id, new JsonObject { ["agentId"] = hana.AgentId, ["department"] = "billing" }), HttpStatusCode.BadRequest);

        await ProblemAssert.IsProblemAsync(await hana.SetPresenceAsync("sleeping"), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await hana.SetPresenceAsync("online,away"), HttpStatusCode.BadRequest); // not two at once
        await ProblemAssert.IsProblemAsync(await hana.SetPresenceAsync("offline,away"), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await hana.SetPresenceAsync("online", capacity: 0), HttpStatusCode.BadRequest);
        var unknownDepartment = new JsonObject { ["status"] = "online", ["departments"] = new JsonArray("nowhere") };
        await ProblemAssert.IsProblemAsync(await hana.Http.PutAsJsonAsync($"/api/agents/{hana.AgentId}/presence", unknownDepartment, Ct), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await hana.Http.PutAsJsonAsync("/api/agents/someone-else/presence", new JsonObject { ["status"] = "offline" }, Ct), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await hana.Http.GetAsync("/api/handoff/queue?department=nowhere", Ct), HttpStatusCode.BadRequest);

        // Still hers, untouched by all of the above.
        Assert.Equal(hana.AgentId, (await hana.DetailsAsync(id))["chat"]!["agentId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Hub_WithoutApiKey_IsRefused()
    {
        var stranger = new AgentTestClient(factory, "stranger", apiKey: null);
        _agents.Add(stranger);
        await Assert.ThrowsAnyAsync<Exception>(stranger.ConnectHubAsync);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            // Sign off so this test's agents take no chats of the next test.
            await agent.SetPresenceAsync("offline");
            await agent.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
