namespace SupportBot.Handoff.Tests.Store;

public sealed class TransitionsOnRedisTests(RedisServerFixture server) : TransitionTests(server), IClassFixture<RedisServerFixture>;

public sealed class TransitionsOnGarnetTests(GarnetServerFixture server) : TransitionTests(server), IClassFixture<GarnetServerFixture>;

/// <summary>Each transition's happy path and its refusals, against a real store.</summary>
public abstract class TransitionTests(IStore server) : HandoffStoreTestBase(server)
{
    [Fact]
    public async Task Escalate_QueuesTheChat_AndHandsTheConversationToTheQueue()
    {
        await EscalateAsync("c1", "sales", priority: 2);

        var chat = await Store.GetChatAsync("c1");
        Assert.NotNull(chat);
        Assert.Equal(HandoffStatus.Queued, chat.Status);
        Assert.Equal("sales", chat.Department);
        Assert.Equal(2, chat.Priority);
        Assert.Equal("asked-for-human", chat.Reason);
        Assert.Equal(Clock.GetUtcNow(), chat.QueuedAt);
        Assert.True((await Store.OwnerAsync("c1")).IsQueued);
        Assert.Equal(1, await Store.PositionAsync("c1", "sales"));
        Assert.Equal(["escalated", "queued"], await EventTypesAsync("c1"));
    }

    [Fact]
    public async Task Escalate_WhileACycleRuns_AnswersItsStatusAndQueuesNothingTwice()
    {
        await EscalateAsync("c1");

        Assert.Equal(HandoffStatus.Queued, await Store.EscalateAsync(new EscalationRequest("c1", "sales", 9, "again")));

        Assert.Equal(1, await Store.QueueLengthAsync("support"));
        Assert.Equal(0, await Store.QueueLengthAsync("sales"));
        await OnlineAsync("anna");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));
        Assert.Equal(HandoffStatus.Assigned, await Store.EscalateAsync(new EscalationRequest("c1", "support", 0, "again")));
        Assert.Equal(["escalated", "queued", "assigned"], await EventTypesAsync("c1"));
    }

    [Fact]
    public async Task Escalate_SameOriginAfterTheCycleEnded_StartsNoSecondCycle_AnotherOriginDoes()
    {
        // The message "u1" asked for a person; its turn died before committing, an agent served and resolved the chat,
        // and now the same message's turn runs again: it must not queue the customer a second time.
        Assert.Null(await Store.EscalateAsync(new EscalationRequest("c1", "support", 0, "asked-for-human", Origin: "u1")));
        await OnlineAsync("anna");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));
        Succeeded(await Store.ResolveAsync("c1", "anna", "done", TimeSpan.FromHours(1)));

        Assert.Equal(HandoffStatus.Resolved, await Store.EscalateAsync(new EscalationRequest("c1", "support", 0, "asked-for-human", Origin: "u1")));
        Assert.Equal(0, await Store.QueueLengthAsync("support"));
        Assert.True((await Store.OwnerAsync("c1")).IsBot);

        // A later message asking again is a new request.
        Assert.Null(await Store.EscalateAsync(new EscalationRequest("c1", "support", 0, "asked-for-human", Origin: "u2")));
        Assert.Equal(["escalated", "queued", "assigned", "resolved", "escalated", "queued"], await EventTypesAsync("c1"));
    }

    [Fact]
    public async Task Escalate_AfterHours_QueuesButLeavesTheBotAnswering()
    {
        await EscalateAsync("c1", afterHours: true);

        Assert.True((await Store.OwnerAsync("c1")).IsBot);
        Assert.True((await Store.GetChatAsync("c1"))!.AfterHours);
        Assert.Equal(1, await Store.PositionAsync("c1", "support"));
    }

    [Fact]
    public async Task Claim_TakesAQueuedChat()
    {
        await EscalateAsync("c1");
        await OnlineAsync("anna");

        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));

        var chat = (await Store.GetChatAsync("c1"))!;
        Assert.Equal(HandoffStatus.Assigned, chat.Status);
        Assert.Equal("anna", chat.AgentId);
        Assert.Equal(Clock.GetUtcNow() + Lease, chat.AnswerDeadline);
        Assert.Equal(ConversationOwner.Agent("anna"), await Store.OwnerAsync("c1"));
        Assert.Equal(["c1"], await Store.AgentChatsAsync("anna"));
        Assert.Null(await Store.PositionAsync("c1", "support"));
        Assert.Equal(1, (await Store.GetAgentAsync("anna"))!.ActiveChats);
    }

    [Fact]
    public async Task Claim_OfATakenChat_IsRefusedAsTaken_AndTheHolderKeepsIt()
    {
        await EscalateAsync("c1");
        await OnlineAsync("anna");
        await OnlineAsync("boris");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));

        Refused(HandoffRefusal.Taken, await Store.ClaimAsync("c1", "boris", Lease));
        Refused(HandoffRefusal.Taken, await Store.ClaimAsync("c1", "boris", Lease, pull: true));

        Assert.Equal("anna", (await Store.GetChatAsync("c1"))!.AgentId);
        Assert.Empty(await Store.AgentChatsAsync("boris"));
    }

    [Fact]
    public async Task Claim_TwiceBySameAgent_IsDoneWithoutASecondAssignment()
    {
        await EscalateAsync("c1");
        await OnlineAsync("anna");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));

        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));

        Assert.Equal(["escalated", "queued", "assigned"], await EventTypesAsync("c1"));
    }

    [Fact]
    public async Task Claim_ByAnAgentWhoIsNotSignedIn_IsRefused()
    {
        await EscalateAsync("c1");

        Refused(HandoffRefusal.AgentUnavailable, await Store.ClaimAsync("c1", "ghost", Lease));
        await OnlineAsync("anna");
        await PresenceAsync("anna", PresenceStatus.Offline);
        Refused(HandoffRefusal.AgentUnavailable, await Store.ClaimAsync("c1", "anna", Lease));

        Assert.Equal(HandoffStatus.Queued, (await Store.GetChatAsync("c1"))!.Status);
    }

    [Fact]
    public async Task Claim_ByAnAwayAgent_IsAllowed_ButOffersGoOnlyToOnlineAgents()
    {
        await EscalateAsync("c1");
        await PresenceAsync("anna", PresenceStatus.Away);

        Refused(HandoffRefusal.AgentUnavailable, await Store.OfferAsync("c1", "support", "anna", Lease));
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));
    }

    [Fact]
    public async Task Claim_OfAChatNotWaiting_IsRefused_UnlessPulled()
    {
        await OnlineAsync("anna");

        Refused(HandoffRefusal.WrongState, await Store.ClaimAsync("bot-chat", "anna", Lease));
        Assert.Null(await Store.GetChatAsync("bot-chat"));

        Succeeded(await Store.ClaimAsync("bot-chat", "anna", Lease, pull: true, defaultDepartment: "sales"));
        var chat = (await Store.GetChatAsync("bot-chat"))!;
        Assert.Equal(HandoffStatus.Assigned, chat.Status);
        Assert.Equal("sales", chat.Department);
        Assert.Equal("agent-pulled", chat.Reason);
        Assert.Equal(["escalated", "assigned"], await EventTypesAsync("bot-chat"));
    }

    [Fact]
    public async Task Claim_PullingAConversationBackFromTheBot_RecordsTheDepartmentItLandsIn()
    {
        await EscalateAsync("c1", "sales");
        await OnlineAsync("anna");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));
        Succeeded(await Store.ResolveAsync("c1", "anna", null, TimeSpan.FromHours(1)));

        Succeeded(await Store.ClaimAsync("c1", "anna", Lease, pull: true, defaultDepartment: "support"));

        Assert.Equal("support", (await Store.GetChatAsync("c1"))!.Department);
        var assigned = (await Store.GetEventsAsync("c1"))[^1];
        Assert.Equal(("assigned", "support"), (assigned.Type, assigned.Department));
    }

    [Fact]
    public async Task Claim_AfterATransferToAnotherDepartment_FindsTheChatInItsNewQueue()
    {
        await EscalateAsync("c1", "support");
        await OnlineAsync("anna");
        await OnlineAsync("boris");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));
        Succeeded(await Store.TransferToDepartmentAsync("c1", "anna", "sales", "billing question"));

        Succeeded(await Store.ClaimAsync("c1", "boris", Lease));

        Assert.Equal(0, await Store.QueueLengthAsync("sales"));
        Assert.Equal("boris", (await Store.GetChatAsync("c1"))!.AgentId);
    }

    [Fact]
    public async Task Offer_GivesTheChatToTheAgentUntilTheyAnswer()
    {
        await EscalateAsync("c1");
        await OnlineAsync("anna");

        Succeeded(await Store.OfferAsync("c1", "support", "anna", Lease));

        var chat = (await Store.GetChatAsync("c1"))!;
        Assert.Equal(HandoffStatus.Offered, chat.Status);
        Assert.Equal("anna", chat.AgentId);
        Assert.Equal(Clock.GetUtcNow() + Lease, chat.AnswerDeadline);
        Assert.Equal(["c1"], await Store.AgentChatsAsync("anna"));
        Assert.Equal(0, await Store.QueueLengthAsync("support"));
        Refused(HandoffRefusal.WrongState, await Store.OfferAsync("c1", "support", "anna", Lease));
    }

    [Fact]
    public async Task Offer_FromTheWrongDepartment_IsRefused()
    {
        await EscalateAsync("c1", "support");
        await OnlineAsync("anna");

        Refused(HandoffRefusal.WrongState, await Store.OfferAsync("c1", "sales", "anna", Lease));
        Refused(HandoffRefusal.WrongState, await Store.OfferAsync("unknown", "support", "anna", Lease));
    }

    [Fact]
    public async Task Offer_RespectsTheAgentsCapacity()
    {
        await OnlineAsync("anna", capacity: 2);
        foreach (var id in new[] { "c1", "c2", "c3" })
        {
            await EscalateAsync(id);
        }

        Succeeded(await Store.OfferAsync("c1", "support", "anna", Lease));
        Succeeded(await Store.ClaimAsync("c2", "anna", Lease));
        Refused(HandoffRefusal.AgentFull, await Store.OfferAsync("c3", "support", "anna", Lease));

        Assert.Equal(HandoffStatus.Queued, (await Store.GetChatAsync("c3"))!.Status);
        Succeeded(await Store.ResolveAsync("c1", "anna", null, TimeSpan.FromHours(1)));
        Succeeded(await Store.OfferAsync("c3", "support", "anna", Lease));
    }

    [Fact]
    public async Task AgentMessage_GoesToTheOutboxAndTranscript_AndEndsTheAnswerLease()
    {
        await EscalateAsync("c1");
        await OnlineAsync("anna");
        Succeeded(await Store.OfferAsync("c1", "support", "anna", Lease));

        Succeeded(await MessageAsync("c1", "anna", "Hi there"));

        var chat = (await Store.GetChatAsync("c1"))!;
        Assert.Equal(HandoffStatus.Assigned, chat.Status);
        Assert.Equal("anna", chat.AnsweredBy);
        Assert.Null(chat.AnswerDeadline);
        Assert.Equal(Clock.GetUtcNow(), chat.FirstResponseAt);
        Assert.Equal(["{\"text\":\"Hi there\"}"], (await Db.ListRangeAsync(RedisKeys.Outbox("c1"))).Select(v => (string)v!));
        Assert.Single(await Db.ListRangeAsync(RedisKeys.Transcript("c1")));
        Assert.NotNull(await Db.SortedSetScoreAsync(RedisKeys.PendingConversations, "c1"));
        Clock.Advance(Lease * 2);
        Assert.Empty(await Store.ExpiredLeasesAsync());
    }

    [Fact]
    public async Task AgentMessage_ByANonHolder_IsRefusedAsNotYours_AndNothingIsSent()
    {
        await EscalateAsync("c1");
        await OnlineAsync("anna");
        await OnlineAsync("boris");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));

        Refused(HandoffRefusal.NotYours, await MessageAsync("c1", "boris"));

        Assert.Equal(0, await Db.ListLengthAsync(RedisKeys.Outbox("c1")));
        Assert.Null((await Store.GetChatAsync("c1"))!.FirstResponseAt);
    }

    [Fact]
    public async Task AgentMessage_OnAQueuedOrUnknownChat_IsRefused()
    {
        await EscalateAsync("c1");

        Refused(HandoffRefusal.WrongState, await MessageAsync("c1", "anna"));
        Refused(HandoffRefusal.UnknownChat, await MessageAsync("nobody", "anna"));
    }

    [Fact]
    public async Task Resolve_FreesTheAgent_GivesTheConversationBackToTheBot_AndRemembersTheAgent()
    {
        await EscalateAsync("c1");
        await OnlineAsync("anna");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));
        Succeeded(await MessageAsync("c1", "anna"));

        Succeeded(await Store.ResolveAsync("c1", "anna", "answered", TimeSpan.FromHours(1)));

        var chat = (await Store.GetChatAsync("c1"))!;
        Assert.Equal(HandoffStatus.Resolved, chat.Status);
        Assert.Equal(Clock.GetUtcNow(), chat.ClosedAt);
        Assert.True((await Store.OwnerAsync("c1")).IsBot);
        Assert.Empty(await Store.AgentChatsAsync("anna"));
        Assert.Equal("anna", await Store.LastAgentAsync("c1"));
        Refused(HandoffRefusal.WrongState, await Store.ResolveAsync("c1", "anna", null, TimeSpan.FromHours(1)));
    }

    [Fact]
    public async Task Rate_CountsOncePerClose_ForItsAgentAndDepartment_AndNotForALaterClose()
    {
        await EscalateAsync("c1", "sales");
        await OnlineAsync("anna");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));
        Succeeded(await Store.ResolveAsync("c1", "anna", "answered", TimeSpan.FromHours(1)));
        var firstClose = (await Store.GetChatAsync("c1"))!.ClosedAt!.Value;
        Clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal("ok", await Store.RateAsync("c1", firstClose, 4));
        // The same turn run again after a crash: kept once.
        Assert.Equal("already", await Store.RateAsync("c1", firstClose, 4));
        Assert.Equal(["sales|anna|4"], (await Db.ListRangeAsync(RedisKeys.HandoffFigures(HandoffStore.SatisfactionFigure))).Select(v => (string)v!));
        var rated = (await Store.GetEventsAsync("c1")).Last();
        Assert.Equal(("rated", "anna", 4), (rated.Type, rated.AgentId, rated.Rating));
        Assert.Equal(Clock.GetUtcNow(), rated.At);

        // The customer wrote again, Boris served and resolved: a rating meant for Anna's close is not Boris's, nor is a
        // rating given while the chat is open anybody's.
        await EscalateAsync("c1", "sales");
        await OnlineAsync("boris");
        Succeeded(await Store.ClaimAsync("c1", "boris", Lease));
        Assert.Equal("wrong-state", await Store.RateAsync("c1", firstClose, 1));
        Clock.Advance(TimeSpan.FromMinutes(1));
        Succeeded(await Store.ResolveAsync("c1", "boris", null, TimeSpan.FromHours(1)));
        Assert.Equal("wrong-state", await Store.RateAsync("c1", firstClose, 1));
        var borisClose = (await Store.GetChatAsync("c1"))!.ClosedAt!.Value;
        Assert.Equal("ok", await Store.RateAsync("c1", borisClose, 2));
        Assert.Equal("already", await Store.RateAsync("c1", borisClose, 2));
        Assert.Equal("unknown", await Store.RateAsync("nobody", firstClose, 5));
        Assert.Equal(["sales|boris|2", "sales|anna|4"], (await Db.ListRangeAsync(RedisKeys.HandoffFigures(HandoffStore.SatisfactionFigure))).Select(v => (string)v!));

        // Only the unhappy one is listed for a follow-up, once, with whose chat it was.
        var low = Assert.Single(await Store.LowRatingsAsync());
        Assert.Equal(new LowRating("c1", "boris", "sales", 2, Clock.GetUtcNow()), low);
    }

    [Fact]
    public async Task IdleChats_OnlyThoseWhoseCustomerHasNotAnsweredTheAgent_ResolvedWithTheHandleTimeEndingAtTheAgentsLastMessage()
    {
        await OnlineAsync("anna");
        foreach (var chat in new[] { "quiet", "answered", "caught" })
        {
            await EscalateAsync(chat);
            Succeeded(await Store.ClaimAsync(chat, "anna", Lease));
        }

        Clock.Advance(TimeSpan.FromMinutes(5));
        foreach (var chat in new[] { "quiet", "answered", "caught" })
        {
            Succeeded(await MessageAsync(chat, "anna"));
        }

        var repliedAt = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await CustomerWritesAsync("answered", "anna"); // the customer wrote last: the chat waits for Anna, however long
        Clock.Advance(TimeSpan.FromHours(2));
        await OnlineAsync("anna"); // her console kept her present meanwhile
        await EscalateAsync("fresh");
        Succeeded(await Store.ClaimAsync("fresh", "anna", Lease));
        Succeeded(await MessageAsync("fresh", "anna")); // answered a moment ago: not idle yet

        var idle = await Store.IdleChatsAsync(Clock.GetUtcNow() - TimeSpan.FromHours(1));

        Assert.Equal(["caught", "quiet"], idle.Select(i => i.ConversationId).Order(StringComparer.Ordinal));
        Assert.All(idle, i => Assert.Equal(("anna", repliedAt), (i.AgentId, i.LastReplyAt)));

        // The customer of "caught" writes between the look and the close: the chat stays with Anna.
        var caught = idle.Single(i => i.ConversationId == "caught");
        await CustomerWritesAsync("caught", "anna");
        Refused(HandoffRefusal.WrongState, await Store.ResolveIdleAsync(caught, TimeSpan.FromHours(1)));
        Assert.Equal(HandoffStatus.Assigned, (await Store.GetChatAsync("caught"))!.Status);

        Succeeded(await Store.ResolveIdleAsync(idle.Single(i => i.ConversationId == "quiet"), TimeSpan.FromHours(1)));
        var quiet = (await Store.GetChatAsync("quiet"))!;
        Assert.Equal(HandoffStatus.Resolved, quiet.Status);
        Assert.Equal(Clock.GetUtcNow(), quiet.ClosedAt);
        var resolved = (await Store.GetEventsAsync("quiet")).Last();
        Assert.Equal(("resolved", HandoffStore.IdleReason), (resolved.Type, resolved.Reason));
        Assert.Equal("anna", await Store.LastAgentAsync("quiet"));
        Assert.DoesNotContain("quiet", await Store.AgentChatsAsync("anna"));
        // Five minutes of handling (claim to last message), not the two hours the customer stayed away.
        Assert.Equal("support|anna|300000", (string?)await Db.ListGetByIndexAsync(RedisKeys.HandoffFigures("handle"), 0));
    }

    /// <summary>What the pipeline's commit appends when the customer writes in a chat an agent holds.</summary>
    private Task CustomerWritesAsync(string conversationId, string agentId) =>
        Db.ListRightPushAsync(RedisKeys.HandoffEvents(conversationId),
            new HandoffEvent { Type = "customer_message", AtUnixMs = Clock.GetUtcNow().ToUnixTimeMilliseconds(), AgentId = agentId }.ToJson());

    [Fact]
    public async Task Resolve_RefusesQueuedUnknownAndOtherAgentsChats()
    {
        await EscalateAsync("c1");
        await EscalateAsync("c2");
        await OnlineAsync("anna");
        Succeeded(await Store.ClaimAsync("c2", "anna", Lease));

        Refused(HandoffRefusal.WrongState, await Store.ResolveAsync("c1", "anna", null, TimeSpan.FromHours(1)));
        Refused(HandoffRefusal.UnknownChat, await Store.ResolveAsync("nobody", "anna", null, TimeSpan.FromHours(1)));
        Refused(HandoffRefusal.NotYours, await Store.ResolveAsync("c2", "boris", null, TimeSpan.FromHours(1)));

        Assert.Equal(HandoffStatus.Assigned, (await Store.GetChatAsync("c2"))!.Status);
        Assert.Equal(1, await Store.PositionAsync("c1", "support"));
    }

    [Fact]
    public async Task ReturnToBot_ClosesTheCycleWithoutRememberingTheAgent()
    {
        await EscalateAsync("c1");
        await OnlineAsync("anna");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));

        Succeeded(await Store.ReturnToBotAsync("c1", "anna", "the bot can take this"));

        Assert.Equal(HandoffStatus.Returned, (await Store.GetChatAsync("c1"))!.Status);
        Assert.True((await Store.OwnerAsync("c1")).IsBot);
        Assert.Empty(await Store.AgentChatsAsync("anna"));
        Assert.Null(await Store.LastAgentAsync("c1"));
        var returned = (await Store.GetEventsAsync("c1"))[^1];
        Assert.Equal(("returned", "anna", "the bot can take this"), (returned.Type, returned.AgentId, returned.Note));
    }

    [Fact]
    public async Task ResolvedCustomerWritingAgain_IsOfferedToTheLastAgent()
    {
        await EscalateAsync("c1");
        await OnlineAsync("anna");
        await OnlineAsync("boris");
        Succeeded(await Store.ClaimAsync("c1", "boris", Lease));
        Succeeded(await Store.ResolveAsync("c1", "boris", null, TimeSpan.FromHours(1)));

        await EscalateAsync("c1");
        var last = await Store.LastAgentAsync("c1");
        Succeeded(await Store.OfferAsync("c1", "support", last!, Lease, returning: true));

        Assert.Equal("boris", (await Store.GetChatAsync("c1"))!.AgentId);
        var offered = (await Store.GetEventsAsync("c1"))[^1];
        Assert.Equal(("offered", "boris", "returning"), (offered.Type, offered.AgentId, offered.Why));
    }

    [Fact]
    public async Task TransferToAgent_MovesTheChatBetweenTheAgentsSets()
    {
        await EscalateAsync("c1");
        await OnlineAsync("anna");
        await OnlineAsync("boris");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));
        Succeeded(await MessageAsync("c1", "anna"));

        Succeeded(await Store.TransferToAgentAsync("c1", "anna", "boris", "VIP", Lease));

        var chat = (await Store.GetChatAsync("c1"))!;
        Assert.Equal(("boris", HandoffStatus.Assigned), (chat.AgentId, chat.Status));
        // Boris has not answered yet: he gets his own answer lease.
        Assert.Equal(Clock.GetUtcNow() + Lease, chat.AnswerDeadline);
        Assert.Empty(await Store.AgentChatsAsync("anna"));
        Assert.Equal(["c1"], await Store.AgentChatsAsync("boris"));
        Assert.Equal(ConversationOwner.Agent("boris"), await Store.OwnerAsync("c1"));
        Refused(HandoffRefusal.NotYours, await MessageAsync("c1", "anna"));
        Assert.Equal(["escalated", "queued", "assigned", "agent_message", "transferred", "assigned"], await EventTypesAsync("c1"));
    }

    [Fact]
    public async Task TransferToAgent_Refusals()
    {
        await EscalateAsync("c1");
        await OnlineAsync("anna");
        await OnlineAsync("boris");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));

        Refused(HandoffRefusal.AgentUnavailable, await Store.TransferToAgentAsync("c1", "anna", "ghost", null, Lease));
        Refused(HandoffRefusal.NotYours, await Store.TransferToAgentAsync("c1", "boris", "anna", null, Lease));
        Refused(HandoffRefusal.WrongState, await Store.TransferToAgentAsync("c1", "anna", "anna", null, Lease));
        Refused(HandoffRefusal.UnknownChat, await Store.TransferToAgentAsync("nobody", "anna", "boris", null, Lease));

        Assert.Equal(["c1"], await Store.AgentChatsAsync("anna"));
    }

    [Fact]
    public async Task ReassignToAgent_ByASupervisor_MovesTheChatFromItsHolder_WhoLosesIt()
    {
        await EscalateAsync("c1");
        await OnlineAsync("anna");
        await OnlineAsync("boris");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));
        Succeeded(await MessageAsync("c1", "anna"));

        var (outcome, previous) = await Store.ReassignToAgentAsync("c1", "sue", "boris", "Anna is overloaded", Lease);

        Succeeded(outcome);
        Assert.Equal("anna", previous);
        var chat = (await Store.GetChatAsync("c1"))!;
        Assert.Equal(("boris", HandoffStatus.Assigned), (chat.AgentId, chat.Status));
        Assert.Equal(Clock.GetUtcNow() + Lease, chat.AnswerDeadline);
        Assert.Empty(await Store.AgentChatsAsync("anna"));
        Assert.Equal(["c1"], await Store.AgentChatsAsync("boris"));
        Assert.Equal(0, (await Store.GetAgentAsync("anna"))!.ActiveChats);
        Assert.Equal(ConversationOwner.Agent("boris"), await Store.OwnerAsync("c1"));
        Refused(HandoffRefusal.NotYours, await MessageAsync("c1", "anna"));
        Refused(HandoffRefusal.NotYours, await Store.ResolveAsync("c1", "anna", null, TimeSpan.FromHours(1)));
        Assert.Equal(["escalated", "queued", "assigned", "agent_message", "transferred", "assigned"], await EventTypesAsync("c1"));
        var transferred = (await Store.GetEventsAsync("c1"))[^2];
        Assert.Equal(("anna", "boris", "sue", "Anna is overloaded"), (transferred.FromAgentId, transferred.AgentId, transferred.By, transferred.Note));
    }

    [Fact]
    public async Task TransferOfAChatSomeoneElseHolds_ByAnAgent_IsStillNotYours()
    {
        await EscalateAsync("c1");
        await OnlineAsync("anna");
        await OnlineAsync("boris");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));

        Refused(HandoffRefusal.NotYours, await Store.TransferToAgentAsync("c1", "boris", "boris-friend", null, Lease));
        Refused(HandoffRefusal.NotYours, await Store.TransferToAgentAsync("c1", "boris", "boris", null, Lease));
        Refused(HandoffRefusal.NotYours, await Store.TransferToDepartmentAsync("c1", "boris", "sales", null));

        Assert.Equal("anna", (await Store.GetChatAsync("c1"))!.AgentId);
        Assert.Equal(["c1"], await Store.AgentChatsAsync("anna"));
        Assert.Equal(0, await Store.QueueLengthAsync("support"));
        Assert.Equal(0, await Store.QueueLengthAsync("sales"));
        Assert.Equal(["escalated", "queued", "assigned"], await EventTypesAsync("c1"));
    }

    [Fact]
    public async Task ReassignToDepartment_ByASupervisor_QueuesTheChatAndTheHolderLosesIt()
    {
        await EscalateAsync("c1", "support");
        await OnlineAsync("anna");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));

        var (outcome, previous) = await Store.ReassignToDepartmentAsync("c1", "sue", "sales", "about an invoice");

        Succeeded(outcome);
        Assert.Equal("anna", previous);
        var chat = (await Store.GetChatAsync("c1"))!;
        Assert.Equal((HandoffStatus.Queued, "sales", null), (chat.Status, chat.Department, chat.AgentId));
        Assert.Equal(["c1"], await Store.QueueHeadAsync("sales", 10));
        Assert.Empty(await Store.AgentChatsAsync("anna"));
        Assert.True((await Store.OwnerAsync("c1")).IsQueued);
        Assert.Empty(await Store.ExpiredLeasesAsync());
        Clock.Advance(Lease * 2);
        Assert.Empty(await Store.ExpiredLeasesAsync()); // Anna's answer lease went with the chat
        var transferred = (await Store.GetEventsAsync("c1"))[^2];
        Assert.Equal(("transferred", "anna", "sales", "sue"), (transferred.Type, transferred.FromAgentId, transferred.Department, transferred.By));
        Assert.Equal("queued", (await EventTypesAsync("c1"))[^1]);
    }

    [Fact]
    public async Task Reassign_Refusals_LeaveTheChatWhereItWas()
    {
        await EscalateAsync("waiting");
        await EscalateAsync("c1");
        await OnlineAsync("anna");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));

        Refused(HandoffRefusal.WrongState, (await Store.ReassignToAgentAsync("waiting", "sue", "anna", null, Lease)).Outcome);
        Refused(HandoffRefusal.WrongState, (await Store.ReassignToDepartmentAsync("waiting", "sue", "sales", null)).Outcome);
        Refused(HandoffRefusal.UnknownChat, (await Store.ReassignToAgentAsync("nobody", "sue", "anna", null, Lease)).Outcome);
        Refused(HandoffRefusal.UnknownChat, (await Store.ReassignToDepartmentAsync("nobody", "sue", "sales", null)).Outcome);
        Refused(HandoffRefusal.WrongState, (await Store.ReassignToAgentAsync("c1", "sue", "anna", null, Lease)).Outcome);
        Refused(HandoffRefusal.AgentUnavailable, (await Store.ReassignToAgentAsync("c1", "sue", "ghost", null, Lease)).Outcome);

        Assert.Equal(["waiting"], await Store.QueueHeadAsync("support", 10));
        Assert.Equal(("anna", HandoffStatus.Assigned), ((await Store.GetChatAsync("c1"))!.AgentId, (await Store.GetChatAsync("c1"))!.Status));
        Assert.Equal(["c1"], await Store.AgentChatsAsync("anna"));
        Assert.Empty(await Store.AgentChatsAsync("ghost"));
        Assert.Equal(["escalated", "queued", "assigned"], await EventTypesAsync("c1"));
    }

    [Fact]
    public async Task Reassign_RacingTheHoldersOwnTransfer_LeavesTheChatWithExactlyOneAgent()
    {
        await OnlineAsync("anna");
        await OnlineAsync("boris");
        await OnlineAsync("carl");
        for (var i = 0; i < 20; i++)
        {
            var id = "race-" + i;
            await EscalateAsync(id);
            Succeeded(await Store.ClaimAsync(id, "anna", Lease));

            // Anna hands the chat to Boris while a supervisor moves it (from whoever has it by then) to Carl.
            var holders = await Task.WhenAll(
                Task.Run(async () => (await Store.TransferToAgentAsync(id, "anna", "boris", null, Lease)).Succeeded),
                Task.Run(async () => (await Store.ReassignToAgentAsync(id, "sue", "carl", null, Lease)).Outcome.Succeeded));

            Assert.True(holders[1], "the supervisor's reassignment follows the chat to whoever holds it");
            var chat = (await Store.GetChatAsync(id))!;
            Assert.Equal("carl", chat.AgentId);
            Assert.Equal(ConversationOwner.Agent("carl"), await Store.OwnerAsync(id));
            Assert.DoesNotContain(id, await Store.AgentChatsAsync("anna"));
            Assert.DoesNotContain(id, await Store.AgentChatsAsync("boris"));
            Assert.Contains(id, await Store.AgentChatsAsync("carl"));
        }
    }

    [Fact]
    public async Task TransferToDepartment_QueuesTheChatThereWithItsWaitingSince()
    {
        await EscalateAsync("c1", "support");
        Clock.Advance(TimeSpan.FromMinutes(1));
        await EscalateAsync("c2", "sales");
        await OnlineAsync("anna");
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));

        Succeeded(await Store.TransferToDepartmentAsync("c1", "anna", "sales", "about an invoice"));

        // c1 waited longer than c2: it goes in front of it.
        Assert.Equal(["c1", "c2"], await Store.QueueHeadAsync("sales", 10));
        var chat = (await Store.GetChatAsync("c1"))!;
        Assert.Equal((HandoffStatus.Queued, "sales", null), (chat.Status, chat.Department, chat.AgentId));
        Assert.Empty(await Store.AgentChatsAsync("anna"));
        Assert.True((await Store.OwnerAsync("c1")).IsQueued);
        Refused(HandoffRefusal.WrongState, await Store.TransferToDepartmentAsync("c1", "anna", "support", null));
    }

    [Fact]
    public async Task Abandon_TakesAWaitingChatOutOfTheQueue_ButNotAnAssignedOne()
    {
        await EscalateAsync("c1");
        await EscalateAsync("c2");
        await OnlineAsync("anna");
        Succeeded(await Store.ClaimAsync("c2", "anna", Lease));

        Succeeded(await Store.AbandonAsync("c1"));
        Refused(HandoffRefusal.WrongState, await Store.AbandonAsync("c2"));
        Refused(HandoffRefusal.UnknownChat, await Store.AbandonAsync("nobody"));

        Assert.Equal(HandoffStatus.Abandoned, (await Store.GetChatAsync("c1"))!.Status);
        Assert.Equal(0, await Store.QueueLengthAsync("support"));
        Assert.True((await Store.OwnerAsync("c1")).IsBot);
        Assert.Equal(["escalated", "queued", "abandoned"], await EventTypesAsync("c1"));
    }

    [Fact]
    public async Task EventsOfOneCycle_AreRecordedInOrder_WithTheirAgentAndTime()
    {
        var start = Clock.GetUtcNow();
        await EscalateAsync("c1");
        await OnlineAsync("anna");
        Clock.Advance(TimeSpan.FromSeconds(10));
        Succeeded(await Store.OfferAsync("c1", "support", "anna", Lease));
        Clock.Advance(TimeSpan.FromSeconds(5));
        Succeeded(await MessageAsync("c1", "anna"));
        Clock.Advance(TimeSpan.FromSeconds(60));
        Succeeded(await Store.ResolveAsync("c1", "anna", "done", TimeSpan.FromHours(1)));

        var events = await Store.GetEventsAsync("c1");
        Assert.Equal(["escalated", "queued", "offered", "assigned", "agent_message", "resolved"], events.Select(e => e.Type));
        Assert.Equal([start, start, start.AddSeconds(10), start.AddSeconds(15), start.AddSeconds(15), start.AddSeconds(75)], events.Select(e => e.At));
        Assert.Equal([null, null, "anna", "anna", "anna", "anna"], events.Select(e => e.AgentId));
        Assert.Equal("asked-for-human", events[0].Reason);
        Assert.Equal("support", events[1].Department);
        Assert.Equal("offered", events[2].Why);
        Assert.Equal("done", events[5].Reason);
    }

    [Fact]
    public async Task Figures_WaitFirstResponseAndHandle_ComeFromTheTransitions()
    {
        await OnlineAsync("anna");
        // c1: waits 20 s, claimed by anna, answered 5 s later, resolved 40 s after that.
        await EscalateAsync("c1");
        Clock.Advance(TimeSpan.FromSeconds(20));
        Succeeded(await Store.ClaimAsync("c1", "anna", Lease));
        Clock.Advance(TimeSpan.FromSeconds(5));
        Succeeded(await MessageAsync("c1", "anna"));
        Succeeded(await MessageAsync("c1", "anna", "second message"));
        Clock.Advance(TimeSpan.FromSeconds(40));
        Succeeded(await Store.ResolveAsync("c1", "anna", null, TimeSpan.FromHours(1)));
        // c2 in sales: waits 60 s, offered to boris, answered 10 s later, resolved 10 s after that.
        await EscalateAsync("c2", "sales");
        Clock.Advance(TimeSpan.FromSeconds(60));
        await OnlineAsync("boris");
        Succeeded(await Store.OfferAsync("c2", "sales", "boris", Lease));
        Clock.Advance(TimeSpan.FromSeconds(10));
        Succeeded(await Store.ClaimAsync("c2", "boris", Lease));
        Succeeded(await MessageAsync("c2", "boris"));
        Clock.Advance(TimeSpan.FromSeconds(10));
        Succeeded(await Store.ResolveAsync("c2", "boris", null, TimeSpan.FromHours(1)));

        var wait = await Store.FiguresAsync("wait");
        Assert.Equal(2, wait.Samples);
        Assert.Equal(TimeSpan.FromSeconds(40), wait.Average);
        Assert.Equal(new HandoffFigures(1, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20)), await Store.FiguresAsync("wait", "support"));
        Assert.Equal(new HandoffFigures(1, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60)), await Store.FiguresAsync("wait", agentId: "boris"));
        // One first response per cycle, however many messages.
        Assert.Equal(new HandoffFigures(1, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)), await Store.FiguresAsync("first-response", agentId: "anna"));
        Assert.Equal(new HandoffFigures(1, TimeSpan.Zero, TimeSpan.Zero), await Store.FiguresAsync("first-response", "sales"));
        Assert.Equal(new HandoffFigures(1, TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(45)), await Store.FiguresAsync("handle", "support"));
        Assert.Equal(new HandoffFigures(1, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)), await Store.FiguresAsync("handle", agentId: "boris"));
        Assert.Equal(new HandoffFigures(0, null, null), await Store.FiguresAsync("handle", "returns"));

        var c1 = (await Store.GetChatAsync("c1"))!;
        Assert.Equal((TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(45)), (c1.WaitTime, c1.FirstResponseTime, c1.HandleTime));
    }
}
