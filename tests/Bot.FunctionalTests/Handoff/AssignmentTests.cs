using Microsoft.Extensions.DependencyInjection;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Handoff;
using static SupportBot.FunctionalTests.Infrastructure.AgentTestClient;

namespace SupportBot.FunctionalTests.Handoff;

/// <summary>Automatic assignment (least busy) with the shortest answer lease the settings allow.</summary>
public sealed class AutoAssignHostFixture : IAsyncLifetime
{
    public RedisServerFixture Store { get; } = new();

    public BotFactory Factory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        Factory = new BotFactory(Store.ConnectionString, new Dictionary<string, string?>
        {
            ["Handoff:Assignment"] = "LeastBusy",
            ["Handoff:AnswerLeaseSeconds"] = "5",
            ["Handoff:Departments:0:Name"] = "support",
        });
        _ = Factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Store.DisposeAsync();
    }
}

public sealed class AssignmentTests(AutoAssignHostFixture host) : IClassFixture<AutoAssignHostFixture>, IAsyncDisposable
{
    private readonly DirectLineTestClient _customer = new(host.Factory.CreateClient());
    private readonly List<AgentTestClient> _agents = [];
    private readonly List<string> _escalated = [];

    private AgentTestClient Agent(string name)
    {
        var agent = new AgentTestClient(host.Factory, $"{name}-{Guid.NewGuid():N}"[..16]);
        _agents.Add(agent);
        return agent;
    }

    private async Task<string> EscalateAsync()
    {
        var chat = await _customer.StartAsync();
        await _customer.SendAsync(chat, "operator please");
        _escalated.Add(ConversationOf(chat));
        try
        {
            await _customer.WaitForBotMessagesAsync(chat, 2);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Say where the turn stands: not picked up (still pending, due when?), held by a worker, or picked up and done.
            var db = host.Factory.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
            var id = ConversationOf(chat);
            var due = await db.SortedSetScoreAsync(RedisKeys.PendingConversations, id);
            throw new InvalidOperationException(
                $"{e.Message} Now {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}; pending due at {due?.ToString() ?? "-"} " +
                $"({await db.SortedSetLengthAsync(RedisKeys.PendingConversations)} pending in all); inbox {await db.ListLengthAsync(RedisKeys.Inbox(id))}; " +
                $"lease {await db.KeyTimeToLiveAsync(RedisKeys.Lease(id))}; handoff {await db.HashGetAsync(RedisKeys.HandoffChat(id), "st")}.", e);
        }

        return ConversationOf(chat);
    }

    [Fact]
    public async Task WaitingChat_IsOfferedTheMomentAnAgentComesOnline()
    {
        var id = await EscalateAsync();
        var kim = Agent("kim");
        await kim.WaitForAsync(id, d => Status(d) == "queued");

        await kim.OnlineAsync();
        var offered = await kim.WaitForAsync(id, d => Status(d) == "offered", TimeSpan.FromSeconds(3));

        Assert.Equal(kim.AgentId, offered["chat"]!["agentId"]!.GetValue<string>());
        Assert.Equal($"agent:{kim.AgentId}", offered["owner"]!.GetValue<string>());
    }

    [Fact]
    public async Task OfferNotAnsweredWithinTheLease_GoesBackToTheQueue_AndToTheNextAgent()
    {
        var lea = Agent("lea");
        await lea.OnlineAsync(capacity: 1);
        var id = await EscalateAsync();
        await lea.WaitForAsync(id, d => Status(d) == "offered");
        var max = Agent("max");
        await max.OnlineAsync(capacity: 1);

        // Lea does not answer; after 5 s the chat goes back to the head of the queue and Max, the only other agent, gets it.
        var moved = await max.WaitForAsync(id, d => Status(d) == "offered" && d["chat"]!["agentId"]!.GetValue<string>() == max.AgentId, TimeSpan.FromSeconds(12));

        var events = moved["events"]!.AsArray();
        var expired = events.Single(e => e!["type"]!.GetValue<string>() == "lease_expired")!;
        Assert.Equal(lea.AgentId, expired["agent"]!.GetValue<string>());
        Assert.Equal(["offered", "lease_expired", "queued", "offered"], EventTypes(moved).SkipWhile(t => t != "offered"));
        Assert.DoesNotContain((await lea.GetAsync("/api/handoff/mine"))["items"]!.AsArray(), i => i!["chat"]!["conversationId"]!.GetValue<string>() == id);

        // Max answers: the lease ends, the chat stays with him.
        (await max.SendAsync(id, "Max here.")).EnsureSuccessStatusCode();
        Assert.Equal("assigned", Status(await max.DetailsAsync(id)));
    }

    [Fact]
    public async Task OfferNotAnsweredWithinTheLease_WithNobodyElseOnline_ComesBackToTheSameAgent()
    {
        var ida = Agent("ida");
        await ida.OnlineAsync(capacity: 1);
        var id = await EscalateAsync();
        await ida.WaitForAsync(id, d => Status(d) == "offered");

        // Ida misses the offer. Nobody else is on duty, so after 5 s it is offered to her again instead of waiting
        // in the queue for an agent who is never offered it.
        var again = await ida.WaitForAsync(id, d => Status(d) == "offered" && EventTypes(d).Contains("lease_expired"), TimeSpan.FromSeconds(12));

        Assert.Equal(ida.AgentId, again["chat"]!["agentId"]!.GetValue<string>());
        Assert.Equal(["offered", "lease_expired", "queued", "offered"], EventTypes(again).SkipWhile(t => t != "offered").Take(4));
        Assert.Contains((await ida.GetAsync("/api/handoff/mine"))["items"]!.AsArray(), i => i!["chat"]!["conversationId"]!.GetValue<string>() == id);
        (await ida.SendAsync(id, "Sorry for the wait, Ida here.")).EnsureSuccessStatusCode();
        Assert.Equal("assigned", Status(await ida.DetailsAsync(id)));
    }

    public async ValueTask DisposeAsync()
    {
        // The tests share one host and its queue: a chat left waiting would be offered, ahead of the next test's own
        // chat, to the next test's agents. So each test closes what it escalated: resolved by the agent holding it
        // while they are still online, abandoned by the customer once nobody is left to be offered it.
        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();
        foreach (var id in _escalated)
        {
            if (await handoff.Store.GetChatAsync(id) is { Status: HandoffStatus.Offered or HandoffStatus.Assigned } chat
                && _agents.Find(a => a.AgentId == chat.AgentId) is { } holder)
            {
                await holder.SendAsync(id, "Closing up.");
                await holder.ResolveAsync(id);
            }
        }

        foreach (var agent in _agents)
        {
            await agent.SetPresenceAsync("offline");
        }

        foreach (var id in _escalated)
        {
            await handoff.AbandonAsync(id); // refused (and harmless) unless it is still waiting
        }

        var redis = host.Factory.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
        Assert.Equal(0, await redis.SortedSetLengthAsync(RedisKeys.HandoffQueue("support")));

        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }
    }
}
