namespace SupportBot.Handoff.Tests.Store;

public sealed class AssignmentOnRedisTests(RedisServerFixture server) : AssignmentTests(server), IClassFixture<RedisServerFixture>;

public sealed class AssignmentOnGarnetTests(GarnetServerFixture server) : AssignmentTests(server), IClassFixture<GarnetServerFixture>;

/// <summary><see cref="HandoffAssigner"/>: least busy or in turn, within each agent's capacity.</summary>
public abstract class AssignmentTests(IStore server) : HandoffStoreTestBase(server)
{
    private HandoffAssigner Assigner => new(Store);

    /// <summary>Three agents of capacity 5; boris already holds two chats.</summary>
    private async Task ThreeAgentsBorisBusyAsync()
    {
        await OnlineAsync("anna", capacity: 5);
        await OnlineAsync("boris", capacity: 5);
        await OnlineAsync("clara", capacity: 5);
        for (var i = 0; i < 2; i++)
        {
            await EscalateAsync("earlier-" + i);
            Succeeded(await Store.ClaimAsync("earlier-" + i, "boris", Lease));
        }

        for (var i = 1; i <= 4; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            await EscalateAsync("c" + i);
        }
    }

    [Fact]
    public async Task LeastBusy_FillsTheIdleAgentsBeforeTheBusyOne()
    {
        await ThreeAgentsBorisBusyAsync();

        var offered = await Assigner.AssignAsync("support", roundRobin: false, Lease);

        Assert.Equal([("c1", "anna"), ("c2", "clara"), ("c3", "anna"), ("c4", "clara")], offered);
        Assert.Equal(["earlier-0", "earlier-1"], (await Store.AgentChatsAsync("boris")).Order(StringComparer.Ordinal));
        Assert.Equal(0, await Store.QueueLengthAsync("support"));
    }

    [Fact]
    public async Task RoundRobin_TakesTurns_WhateverTheLoad_AndTheTurnCarriesOverToTheNextRound()
    {
        await ThreeAgentsBorisBusyAsync();

        var first = await Assigner.AssignAsync("support", roundRobin: true, Lease);

        // boris is busier, yet his turn comes.
        Assert.Equal([("c1", "anna"), ("c2", "boris"), ("c3", "clara"), ("c4", "anna")], first);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await EscalateAsync("c5");
        var second = await Assigner.AssignAsync("support", roundRobin: true, Lease);
        Assert.Equal([("c5", "boris")], second);
    }

    [Fact]
    public async Task Assigner_RespectsCapacity_AndLeavesTheRestQueuedInOrder()
    {
        await OnlineAsync("anna", capacity: 1);
        await OnlineAsync("boris", capacity: 2);
        for (var i = 1; i <= 5; i++)
        {
            await EscalateAsync("c" + i);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var offered = await Assigner.AssignAsync("support", roundRobin: false, Lease);

        Assert.Equal(3, offered.Count);
        Assert.Equal(["c1", "c2", "c3"], offered.Select(o => o.ConversationId));
        Assert.Single(await Store.AgentChatsAsync("anna"));
        Assert.Equal(2, (await Store.AgentChatsAsync("boris")).Count);
        Assert.Equal(["c4", "c5"], await Store.QueueHeadAsync("support", 10));
        Assert.Empty(await Assigner.AssignAsync("support", roundRobin: false, Lease));
    }

    [Fact]
    public async Task Assigner_OffersOnlyToOnlineAgentsOfTheDepartment()
    {
        await OnlineAsync("anna", 3, "sales");
        await PresenceAsync("boris", PresenceStatus.Away);
        await OnlineAsync("clara");
        await PresenceAsync("clara", PresenceStatus.Offline);
        await OnlineAsync("dora");
        Clock.Advance(PresenceTtl + TimeSpan.FromSeconds(1));
        await EscalateAsync("c1");

        // dora's heartbeat ran out (not yet marked gone): not alive, so no offer either.
        Assert.Empty(await Assigner.AssignAsync("support", roundRobin: false, Lease));
        Assert.True(await Store.HeartbeatAsync("dora", PresenceTtl));
        Assert.Equal([("c1", "dora")], await Assigner.AssignAsync("support", roundRobin: true, Lease));
    }
}
