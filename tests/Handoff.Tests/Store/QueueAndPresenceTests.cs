namespace SupportBot.Handoff.Tests.Store;

public sealed class QueueAndPresenceOnRedisTests(RedisServerFixture server) : QueueAndPresenceTests(server), IClassFixture<RedisServerFixture>;

public sealed class QueueAndPresenceOnGarnetTests(GarnetServerFixture server) : QueueAndPresenceTests(server), IClassFixture<GarnetServerFixture>;

/// <summary>Queue order, answer leases, and agents who go quiet or sign off, on a fake clock.</summary>
public abstract class QueueAndPresenceTests(IStore server) : HandoffStoreTestBase(server)
{
    [Fact]
    public async Task Queue_ServesHigherPriorityFirst_ThenTheOldest()
    {
        await EscalateAsync("old-normal");
        Clock.Advance(TimeSpan.FromSeconds(1));
        await EscalateAsync("new-normal");
        Clock.Advance(TimeSpan.FromSeconds(1));
        await EscalateAsync("newest-urgent", priority: 5);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await EscalateAsync("newest-vip", priority: 9);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await EscalateAsync("later-urgent", priority: 5);

        Assert.Equal(["newest-vip", "newest-urgent", "later-urgent", "old-normal", "new-normal"], await Store.QueueHeadAsync("support", 10));
        Assert.Equal(3, await Store.PositionAsync("later-urgent", "support"));
        Assert.Equal(5, await Store.PositionAsync("new-normal", "support"));
        Assert.Null(await Store.PositionAsync("new-normal", "sales"));
        var queue = await Store.GetQueueAsync(["support"]);
        Assert.Equal([1, 2, 3, 4, 5], queue.Select(q => q.Position));
        Assert.Equal([9, 5, 5, 0, 0], queue.Select(q => q.Priority));
        Assert.Equal(Clock.GetUtcNow().AddSeconds(-4), queue[3].WaitingSince);
    }

    [Fact]
    public async Task Position_MovesUpAsChatsAheadAreTaken()
    {
        await OnlineAsync("anna");
        foreach (var id in new[] { "c1", "c2", "c3" })
        {
            await EscalateAsync(id);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(3, await Store.PositionAsync("c3", "support"));
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));
        Succeeded(await Store.AbandonAsync("c2"));

        Assert.Equal(1, await Store.PositionAsync("c3", "support"));
        Assert.Equal(1, await Store.QueueLengthAsync("support"));
    }

    [Fact]
    public async Task LeaseExpiry_RequeuesAtTheHead_AndTheNextOfferSkipsTheAgentWhoLetItLapse()
    {
        await OnlineAsync("anna");
        await OnlineAsync("boris");
        await EscalateAsync("c1");
        Clock.Advance(TimeSpan.FromSeconds(1));
        Succeeded(await Store.OfferAsync("c1", "support", "anna", Lease));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await EscalateAsync("c2");

        Refused(HandoffRefusal.NotDue, await Store.RequeueAsync("c1", "anna", leaseExpired: true));
        Assert.Empty(await Store.ExpiredLeasesAsync());
        Clock.Advance(Lease);
        Assert.Equal(["c1"], await Store.ExpiredLeasesAsync());
        await Store.HeartbeatAsync("anna", PresenceTtl);
        await Store.HeartbeatAsync("boris", PresenceTtl);

        Succeeded(await Store.RequeueAsync("c1", "anna", leaseExpired: true));

        Assert.Equal(["c1", "c2"], await Store.QueueHeadAsync("support", 10));
        Assert.Empty(await Store.AgentChatsAsync("anna"));
        Assert.Empty(await Store.ExpiredLeasesAsync());
        Assert.True((await Store.OwnerAsync("c1")).IsQueued);
        Assert.Equal(["escalated", "queued", "offered", "lease_expired", "queued"], await EventTypesAsync("c1"));
        Refused(HandoffRefusal.Excluded, await Store.OfferAsync("c1", "support", "anna", Lease));

        // Anna is idle and first in order, yet the assigner gives c1 to Boris and her the next chat.
        var offered = await new HandoffAssigner(Store).AssignAsync("support", roundRobin: false, Lease);

        Assert.Equal([("c1", "boris"), ("c2", "anna")], offered);
    }

    [Fact]
    public async Task LeaseExpiry_WithNobodyElseOnDuty_TheChatIsOfferedToThatAgentAgain()
    {
        await OnlineAsync("anna");
        await EscalateAsync("c1");
        var assigner = new HandoffAssigner(Store);
        Assert.Equal([("c1", "anna")], await assigner.AssignAsync("support", roundRobin: false, Lease));
        Clock.Advance(Lease);
        await Store.HeartbeatAsync("anna", PresenceTtl);
        Succeeded(await Store.RequeueAsync("c1", "anna", leaseExpired: true));

        // Anna is the only one who could answer: the chat does not wait unseen in the queue.
        Assert.Equal([("c1", "anna")], await assigner.AssignAsync("support", roundRobin: false, Lease));

        var events = await Store.GetEventsAsync("c1");
        Assert.Equal(["escalated", "queued", "offered", "lease_expired", "queued", "offered"], events.Select(e => e.Type));
        Assert.Equal(["offered", "again"], events.Where(e => e.Type == "offered").Select(e => e.Why));
        Assert.Equal(["c1"], await Store.AgentChatsAsync("anna"));
    }

    [Fact]
    public async Task LeaseExpiry_ChatsNobodyMissedComeFirst_AndTheMissedOneWaitsForRoom()
    {
        await OnlineAsync("anna", capacity: 1);
        await EscalateAsync("c1");
        var assigner = new HandoffAssigner(Store);
        Assert.Equal([("c1", "anna")], await assigner.AssignAsync("support", roundRobin: false, Lease));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await EscalateAsync("c2");
        Clock.Advance(Lease);
        await Store.HeartbeatAsync("anna", PresenceTtl);
        Succeeded(await Store.RequeueAsync("c1", "anna", leaseExpired: true));

        // c1 is back at the head, but Anna's one place goes to the chat she has not let lapse.
        Assert.Equal([("c2", "anna")], await assigner.AssignAsync("support", roundRobin: false, Lease));
        Assert.Equal(["c1"], await Store.QueueHeadAsync("support", 10));

        Succeeded(await MessageAsync("c2", "anna"));
        Succeeded(await Store.ResolveAsync("c2", "anna", "done", TimeSpan.FromHours(1)));
        Assert.Equal([("c1", "anna")], await assigner.AssignAsync("support", roundRobin: false, Lease));
    }

    [Fact]
    public async Task LeaseExpiry_WhenEveryAgentLetItLapse_EachIsTriedAgainInTurn()
    {
        await OnlineAsync("anna");
        await OnlineAsync("boris");
        await EscalateAsync("c1");
        var assigner = new HandoffAssigner(Store);
        var holders = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var offered = Assert.Single(await assigner.AssignAsync("support", roundRobin: false, Lease));
            holders.Add(offered.AgentId);
            Clock.Advance(Lease);
            await Store.HeartbeatAsync("anna", PresenceTtl);
            await Store.HeartbeatAsync("boris", PresenceTtl);
            Succeeded(await Store.RequeueAsync("c1", offered.AgentId, leaseExpired: true));
        }

        // Never the same agent twice in a row: after both let it lapse, the exclusions start afresh.
        Assert.Equal(["anna", "boris", "anna", "boris"], holders);
    }

    [Fact]
    public async Task LeaseExpiry_DoesNotStopTheAgentFromClaimingTheChatThemselves()
    {
        await OnlineAsync("anna");
        await EscalateAsync("c1");
        Succeeded(await Store.OfferAsync("c1", "support", "anna", Lease));
        Clock.Advance(Lease);
        Succeeded(await Store.RequeueAsync("c1", "anna", leaseExpired: true));

        // Claiming is the agent's own choice; the exclusion only steers automatic offers.
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));
    }

    [Fact]
    public async Task LeaseExpiry_DoesNotApplyOnceTheAgentAnswered()
    {
        await OnlineAsync("anna");
        await EscalateAsync("c1");
        Succeeded(await Store.OfferAsync("c1", "support", "anna", Lease));
        var expired = Clock.GetUtcNow() + Lease;
        Succeeded(await MessageAsync("c1", "anna"));
        Clock.Advance(Lease * 2);

        Assert.Empty(await Store.ExpiredLeasesAsync());
        Refused(HandoffRefusal.NotDue, await Store.RequeueAsync("c1", "anna", leaseExpired: true));
        Assert.Equal(HandoffStatus.Assigned, (await Store.GetChatAsync("c1"))!.Status);
        Assert.True(Clock.GetUtcNow() > expired);
    }

    [Fact]
    public async Task SilentAgent_IsMarkedGone_AndTheirChatsAreRequeuedAfterTheGracePeriod()
    {
        await OnlineAsync("anna");
        await OnlineAsync("boris");
        await EscalateAsync("c1");
        await EscalateAsync("c2");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));
        Succeeded(await MessageAsync("c1", "anna"));
        Succeeded(await Store.ClaimAsync("c2", "boris", Lease));

        // Boris keeps his heartbeat up; Anna's browser is closed.
        Clock.Advance(PresenceTtl / 2);
        Assert.True(await Store.HeartbeatAsync("boris", PresenceTtl));
        Clock.Advance(PresenceTtl / 2 + TimeSpan.FromSeconds(1));
        Assert.DoesNotContain("c1", await Store.ExpiredLeasesAsync());

        Assert.Equal(["anna"], await Store.MarkSilentAgentsGoneAsync(Grace));

        var anna = (await Store.GetAgentAsync("anna"))!;
        Assert.Equal((PresenceStatus.Offline, false, 1), (anna.Status, anna.Alive, anna.ActiveChats));
        Assert.False(await Store.HeartbeatAsync("anna", PresenceTtl));
        Assert.Empty(await Store.MarkSilentAgentsGoneAsync(Grace));
        Assert.Empty(await Store.RequeueChatsOfGoneAgentsAsync());
        Assert.Equal(HandoffStatus.Assigned, (await Store.GetChatAsync("c1"))!.Status);

        Clock.Advance(Grace);
        Assert.True(await Store.HeartbeatAsync("boris", PresenceTtl));
        Assert.Equal(["c1"], await Store.RequeueChatsOfGoneAgentsAsync());

        var chat = (await Store.GetChatAsync("c1"))!;
        Assert.Equal((HandoffStatus.Queued, null, null), (chat.Status, chat.AgentId, chat.AnsweredBy));
        Assert.Empty(await Store.AgentChatsAsync("anna"));
        Assert.Equal(["c2"], await Store.AgentChatsAsync("boris"));
        Assert.Equal(1, await Store.PositionAsync("c1", "support"));
        var gone = (await Store.GetEventsAsync("c1"))[^2];
        Assert.Equal(("agent_gone", "anna"), (gone.Type, gone.AgentId));
        // Not a lease lapse: Anna is not excluded when she is back.
        await OnlineAsync("anna");
        Succeeded(await Store.OfferAsync("c1", "support", "anna", Lease));
    }

    [Fact]
    public async Task AgentBackWithinTheGracePeriod_KeepsTheirChats()
    {
        await OnlineAsync("anna");
        await EscalateAsync("c1");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));
        Succeeded(await MessageAsync("c1", "anna"));
        Clock.Advance(PresenceTtl + TimeSpan.FromSeconds(1));
        Assert.Equal(["anna"], await Store.MarkSilentAgentsGoneAsync(Grace));

        Clock.Advance(Grace / 2);
        Assert.Equal(PresenceStatus.Offline, await OnlineAsync("anna"));
        Clock.Advance(Grace);

        Assert.Empty(await Store.RequeueChatsOfGoneAgentsAsync());
        Assert.Equal(["c1"], await Store.AgentChatsAsync("anna"));
        Assert.Equal(HandoffStatus.Assigned, (await Store.GetChatAsync("c1"))!.Status);
    }

    [Fact]
    public async Task AgentSigningOff_GetsTheirChatsRequeuedAfterTheGracePeriod()
    {
        await OnlineAsync("anna");
        await EscalateAsync("c1");
        Succeeded(await Store.OfferAsync("c1", "support", "anna", Lease));

        Assert.Equal(PresenceStatus.Online, await PresenceAsync("anna", PresenceStatus.Offline));
        Refused(HandoffRefusal.AgentUnavailable, await Store.ClaimAsync("c1", "anna", Lease));
        Assert.Empty(await Store.RequeueChatsOfGoneAgentsAsync());
        Clock.Advance(Grace);

        Assert.Equal(["c1"], await Store.RequeueChatsOfGoneAgentsAsync());
        Assert.Equal(HandoffStatus.Queued, (await Store.GetChatAsync("c1"))!.Status);
        Assert.Empty(await Store.RequeueChatsOfGoneAgentsAsync());
    }

    [Fact]
    public async Task Presence_DepartmentsAndCapacity_AreWhatTheAgentSaid()
    {
        Assert.Equal(PresenceStatus.Offline, await OnlineAsync("anna", 4, "sales"));
        await OnlineAsync("boris", 2);

        var anna = (await Store.GetAgentAsync("anna"))!;
        Assert.Equal((PresenceStatus.Online, 4, true), (anna.Status, anna.Capacity, anna.Alive));
        Assert.Equal(["sales"], anna.Departments);
        Assert.Equal(["boris"], await Store.DepartmentAgentsAsync("support"));
        Assert.Equal(["anna", "boris"], (await Store.DepartmentAgentsAsync("sales")).Order(StringComparer.Ordinal));
        Assert.Equal(["anna", "boris"], await Store.AgentIdsAsync());

        // Serving all departments now: anna joins support.
        await OnlineAsync("anna", 4);
        Assert.Equal(["anna", "boris"], (await Store.DepartmentAgentsAsync("support")).Order(StringComparer.Ordinal));
        Assert.Null(await Store.GetAgentAsync("ghost"));
    }

    [Fact]
    public async Task Details_ReadWhileTheChatGoesBackAndForth_StatusAndEventsAlwaysAgree()
    {
        await OnlineAsync("anna");
        await EscalateAsync("c1");

        // Offered, let lapse, back in the queue, offered again: a console or API reader must never see a mix of two moments.
        var mover = Task.Run(async () =>
        {
            for (var i = 0; i < 150; i++)
            {
                Succeeded(await Store.OfferAsync("c1", "support", "anna", Lease, again: true));
                Clock.Advance(Lease + TimeSpan.FromSeconds(1));
                await OnlineAsync("anna");
                Succeeded(await Store.RequeueAsync("c1", "anna", leaseExpired: true));
            }
        }, TestContext.Current.CancellationToken);

        var reads = 0;
        while (!mover.IsCompleted || reads == 0)
        {
            var details = await Store.GetDetailsAsync("c1");
            var status = details.Chat!.Status;
            Assert.Equal(status == HandoffStatus.Offered ? "offered" : "queued", details.Events[^1].Type);
            Assert.Equal(status == HandoffStatus.Offered ? "agent:anna" : "queued", details.Owner.Value);
            reads++;
        }

        await mover;
        Assert.True(reads > 10, $"only {reads} reads overlapped the moves");
    }
}
