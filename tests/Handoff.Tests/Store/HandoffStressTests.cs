using System.Collections.Concurrent;
using System.Diagnostics;
using StackExchange.Redis;

namespace SupportBot.Handoff.Tests.Store;

public sealed class HandoffStressOnRedisTests(RedisServerFixture server) : HandoffStressTests(server), IClassFixture<RedisServerFixture>;

public sealed class HandoffStressOnGarnetTests(GarnetServerFixture server) : HandoffStressTests(server), IClassFixture<GarnetServerFixture>;

/// <summary>
/// 50 agents and 1,000 chats at once, on the real clock with short leases and heartbeats: claims
/// racing each other, automatic assignment running from three "instances" at the same time, lease
/// lapses, agents signing off or going silent and coming back, and their chats re-queued and taken
/// by others. At the end every chat was resolved exactly once, was never held by two agents at any
/// moment, and nothing is left in a queue, a lease or an agent's hands.
/// </summary>
public abstract class HandoffStressTests(IStore server) : IAsyncLifetime
{
    private const int Seed = 20250303;
    private const int AgentCount = 50;
    private const int ChatCount = 1000;
    private const int RacedChats = 100;
    private const int Claimants = 5;
    private const int Instances = 3;
    private const int Capacity = 3;
    private static readonly string[] Departments = ["support", "sales"];
    private static readonly TimeSpan Lease = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan PresenceTtl = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(50);

    private readonly List<ConnectionMultiplexer> _connections = [];
    private HandoffStore[] _stores = [];

    private readonly ConcurrentDictionary<string, string> _resolvedBy = new();
    private readonly ConcurrentDictionary<string, string> _ignoredBy = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private int _resolveTwice;
    private int _disconnects;
    private int _snapshots;
    private int _racesSeen;

    public async ValueTask InitializeAsync()
    {
        // One connection per simulated instance; agents spread over them.
        for (var i = 0; i < Instances; i++)
        {
            _connections.Add(await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true"));
        }

        await _connections[0].GetServer(_connections[0].GetEndPoints()[0]).FlushDatabaseAsync();
        _stores = [.. _connections.Select(c => new HandoffStore(c, TimeProvider.System))];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    private static string AgentId(int i) => "agent-" + i.ToString("00", System.Globalization.CultureInfo.InvariantCulture);

    private static string ChatId(int i) => "chat-" + i.ToString("0000", System.Globalization.CultureInfo.InvariantCulture);

    [Fact(Timeout = 120_000)]
    public async Task FiftyAgents_ThousandChats_RandomDisconnects_NoChatLostOrHeldTwice()
    {
        var started = Stopwatch.StartNew();
        var agents = Enumerable.Range(0, AgentCount).Select(i => new SimAgent(AgentId(i), _stores[i % Instances], new Random(Seed + 1 + i))).ToArray();
        foreach (var agent in agents)
        {
            await agent.SignInAsync();
        }

        // Phase 1: strict claim races, nothing else running. Five agents claim each chat at once: one wins, four hear "taken".
        var escalations = new Random(Seed);
        for (var i = 0; i < RacedChats; i++)
        {
            Assert.Null(await _stores[0].EscalateAsync(new EscalationRequest(ChatId(i), Departments[i % 2], escalations.Next(0, 4), "stress")));
        }

        // Signed in again: the set-up above may take longer than a heartbeat on a cold start.
        await Task.WhenAll(agents.Select(a => a.SignInAsync()));
        var picks = new Random(Seed - 1);
        var races = Enumerable.Range(0, RacedChats).Select(i =>
        {
            var claimants = agents.OrderBy(_ => picks.Next()).Take(Claimants).ToArray();
            return Task.WhenAll(claimants.Select(a => a.Store.ClaimAsync(ChatId(i), a.Id, Lease)));
        }).ToArray();
        var outcomes = await Task.WhenAll(races);
        for (var i = 0; i < RacedChats; i++)
        {
            Assert.Single(outcomes[i], o => o.Succeeded);
            Assert.Equal(Claimants - 1, outcomes[i].Count(o => o.Refusal == HandoffRefusal.Taken));
        }

        // Phase 2: everything at once.
        using var stop = new CancellationTokenSource();
        var workers = new List<Task>();
        workers.AddRange(agents.Select(a => Loop(stop.Token, () => AgentStepAsync(a, agents))));
        workers.AddRange(_stores.Select((s, i) => Loop(stop.Token, () => AssignRoundAsync(s, roundRobin: i % 2 == 0))));
        workers.AddRange(_stores.Take(2).Select(s => Loop(stop.Token, () => MonitorRoundAsync(s))));
        workers.Add(Loop(stop.Token, () => SnapshotAgentSetsAsync(_connections[0].GetDatabase())));
        var raceRandom = new Random(Seed - 2);
        var chaosRandom = new Random(Seed - 3);
        workers.Add(Loop(stop.Token, () => RaceAtTheHeadAsync(agents, raceRandom)));
        var chaos = Loop(stop.Token, () => DisconnectSomeoneAsync(agents, chaosRandom));
        var escalating = Task.WhenAll(Enumerable.Range(0, 8).Select(t => EscalateSliceAsync(t, 8, new Random(Seed + 100 + t))));

        try
        {
            await escalating;
            // Disconnects go on until most chats are done, then everyone comes back so the rest drains.
            while (_resolvedBy.Count < ChatCount * 9 / 10 && started.Elapsed < RunLimit && !workers.Any(w => w.IsFaulted))
            {
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            foreach (var agent in agents)
            {
                agent.Reconnect();
            }

            while (_resolvedBy.Count < ChatCount && started.Elapsed < RunLimit && !workers.Any(w => w.IsFaulted))
            {
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll([.. workers, chaos]);
        }

        var store = _stores[0];
        var unresolved = Enumerable.Range(0, ChatCount).Select(ChatId).Where(c => !_resolvedBy.ContainsKey(c)).ToList();
        var stuck = await Task.WhenAll(unresolved.Take(5).Select(async c => $"{c}: {(await store.GetChatAsync(c))?.Status} [{string.Join(",", (await store.GetEventsAsync(c)).Select(e => e.Type + ":" + e.AgentId))}]"));
        Assert.True(unresolved.Count == 0, $"{unresolved.Count} chats not resolved after {started.Elapsed.TotalSeconds:0.0} s, e.g. {string.Join("; ", stuck)}");
        Assert.Equal(0, _resolveTwice);
        Assert.Empty(_violations);

        // Every chat's history: escalated once, never offered or assigned to a second agent while one held it, resolved once, last.
        var agentGone = 0;
        var leaseLapsed = 0;
        var handedOver = 0;
        for (var i = 0; i < ChatCount; i++)
        {
            var id = ChatId(i);
            var events = await store.GetEventsAsync(id);
            CheckHistory(id, events, _resolvedBy[id]);
            agentGone += events.Count(e => e.Type == "agent_gone");
            leaseLapsed += events.Count(e => e.Type == "lease_expired");
            handedOver += events.Where(e => e.Type is "offered" or "assigned").Select(e => e.AgentId).Distinct().Count() > 1 ? 1 : 0;
            var chat = (await store.GetChatAsync(id))!;
            Assert.Equal(HandoffStatus.Resolved, chat.Status);
            Assert.True((await store.OwnerAsync(id)).IsBot);
        }

        foreach (var department in Departments)
        {
            Assert.Equal(0, await store.QueueLengthAsync(department));
        }

        Assert.Equal(0, await _connections[0].GetDatabase().SortedSetLengthAsync(RedisKeys.HandoffLeases));
        foreach (var agent in agents)
        {
            Assert.Empty(await store.AgentChatsAsync(agent.Id));
        }

        // The run did exercise what it claims to: disconnects, re-queues, lapses, hand-overs, concurrent snapshots.
        Assert.True(_disconnects >= 10, $"only {_disconnects} disconnects");
        Assert.True(agentGone > 0, "no chat was re-queued because its agent vanished");
        Assert.True(leaseLapsed > 0, "no answer lease ran out");
        Assert.True(handedOver > 0, "no chat went to a second agent");
        Assert.True(_snapshots > 10, $"only {_snapshots} snapshots of the agents' sets");
        Assert.True(_racesSeen > 0, "no claim race happened while the assigners ran");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{server.Name}: {ChatCount} chats in {started.Elapsed.TotalSeconds:0.0} s; {_disconnects} disconnects, {agentGone} agent_gone, " +
            $"{leaseLapsed} lease_expired, {handedOver} chats held by more than one agent over time, {_snapshots} snapshots, {_racesSeen} head races");
    }

    /// <summary>Replays one chat's events: at most one holder at a time, and only the holder acts.</summary>
    private static void CheckHistory(string id, IReadOnlyList<HandoffEvent> events, string resolver)
    {
        string? holder = null;
        var context = $"{id}: {string.Join(", ", events.Select(e => e.Type + ":" + e.AgentId))}";
        Assert.True(events.Count >= 3 && events[0].Type == "escalated", context);
        Assert.Single(events, e => e.Type == "escalated");
        Assert.Single(events, e => e.Type == "resolved");
        Assert.Equal("resolved", events[^1].Type);
        foreach (var e in events.Skip(1))
        {
            switch (e.Type)
            {
                case "queued":
                    Assert.True(holder is null, "queued while held: " + context);
                    break;
                case "offered":
                    Assert.True(holder is null, "offered while held: " + context);
                    holder = e.AgentId;
                    break;
                case "assigned":
                    // Accepting an offer (claim or first answer) is the same agent; anyone else means two holders.
                    Assert.True(holder is null || holder == e.AgentId, "assigned to a second agent: " + context);
                    holder = e.AgentId;
                    break;
                case "agent_message":
                    Assert.True(holder == e.AgentId, "message by a non-holder: " + context);
                    break;
                case "lease_expired" or "agent_gone" or "resolved":
                    Assert.True(holder == e.AgentId, e.Type + " of a non-holder: " + context);
                    holder = null;
                    break;
                default:
                    Assert.Fail($"unexpected event {e.Type}: {context}");
                    break;
            }
        }

        Assert.Equal(resolver, events[^1].AgentId);
    }

    private async Task EscalateSliceAsync(int slice, int slices, Random random)
    {
        for (var i = RacedChats + slice; i < ChatCount; i += slices)
        {
            var outcome = await _stores[i % Instances].EscalateAsync(new EscalationRequest(ChatId(i), Departments[random.Next(2)], random.Next(0, 4), "stress"));
            Assert.Null(outcome);
            await Task.Delay(random.Next(0, 80)); // spread over ~4 s so disconnects hit a busy system
        }
    }

    /// <summary>One look at the agent's chats: answer and resolve them (or, once in a while, let an offer lapse), maybe claim one.</summary>
    private async Task AgentStepAsync(SimAgent agent, SimAgent[] all)
    {
        if (!agent.Working)
        {
            await agent.ComeBackWhenDueAsync();
            await Task.Delay(20);
            return;
        }

        await agent.KeepAliveAsync();
        foreach (var id in await agent.Store.AgentChatsAsync(agent.Id))
        {
            // Now and then an agent lets an offer lapse (one chat, one agent, once): the monitor re-queues it
            // and automatic assignment skips that agent for it afterwards.
            if (await agent.Store.GetChatAsync(id) is { Status: HandoffStatus.Offered } chat && chat.AgentId == agent.Id
                && (_ignoredBy.TryGetValue(id, out var ignorer) ? ignorer == agent.Id : agent.Random.NextDouble() < 0.05 && _ignoredBy.TryAdd(id, agent.Id)))
            {
                continue;
            }

            if ((await agent.Store.AgentMessageAsync(id, agent.Id, "{\"text\":\"hi\"}", "{\"text\":\"hi\"}")).Succeeded)
            {
                if (agent.Random.NextDouble() < 0.3)
                {
                    // Some chats take a few exchanges: the agent holds an answered chat across steps, so a disconnect can
                    // find one (re-queued as agent_gone; an offered one goes back sooner, when its answer lease lapses).
                    continue;
                }

                await Task.Delay(agent.Random.Next(0, 10));
                if ((await agent.Store.ResolveAsync(id, agent.Id, null, TimeSpan.FromMinutes(5))).Succeeded && !_resolvedBy.TryAdd(id, agent.Id))
                {
                    Interlocked.Increment(ref _resolveTwice);
                }
            }
        }

        // Claim one of the first few waiting chats now and then.
        if (agent.Random.NextDouble() < 0.3)
        {
            var department = Departments[agent.Random.Next(2)];
            var head = await agent.Store.QueueHeadAsync(department, 5);
            if (head.Count > 0)
            {
                await agent.Store.ClaimAsync(head[agent.Random.Next(head.Count)], agent.Id, Lease);
            }
        }

        await Task.Delay(agent.Random.Next(5, 30));
    }

    private static async Task AssignRoundAsync(HandoffStore store, bool roundRobin)
    {
        foreach (var department in Departments)
        {
            await new HandoffAssigner(store).AssignAsync(department, roundRobin, Lease);
        }

        await Task.Delay(10);
    }

    /// <summary>What the host's monitor does each tick: lapsed leases back to the queue, silent agents gone, their chats re-queued.</summary>
    private static async Task MonitorRoundAsync(HandoffStore store)
    {
        foreach (var id in await store.ExpiredLeasesAsync())
        {
            if (await store.GetChatAsync(id) is { AgentId: { } agentId })
            {
                await store.RequeueAsync(id, agentId, leaseExpired: true);
            }
        }

        await store.MarkSilentAgentsGoneAsync(Grace);
        await store.RequeueChatsOfGoneAgentsAsync();
        await Task.Delay(25);
    }

    /// <summary>An atomic snapshot (MULTI/EXEC) of every agent's chat set: no chat in two of them.</summary>
    private async Task SnapshotAgentSetsAsync(IDatabase db)
    {
        var transaction = db.CreateTransaction();
        var sets = Enumerable.Range(0, AgentCount).Select(i => (Agent: AgentId(i), Chats: transaction.SetMembersAsync(RedisKeys.AgentChats(AgentId(i))))).ToArray();
        Assert.True(await transaction.ExecuteAsync());
        var holders = new Dictionary<string, string>();
        foreach (var (agent, chats) in sets)
        {
            foreach (var chat in await chats)
            {
                if (!holders.TryAdd(chat!, agent))
                {
                    _violations.Enqueue($"{chat} in the sets of {holders[chat!]} and {agent} at once");
                }
            }
        }

        Interlocked.Increment(ref _snapshots);
        await Task.Delay(25);
    }

    /// <summary>While the assigners run: several agents claim the chat at a queue's head at once; at most one may win.</summary>
    private async Task RaceAtTheHeadAsync(SimAgent[] agents, Random random)
    {
        var department = Departments[random.Next(2)];
        var head = await _stores[0].QueueHeadAsync(department, 1);
        if (head.Count == 1)
        {
            var claimants = agents.Where(a => a.Working).OrderBy(_ => random.Next()).Take(4).ToArray();
            var outcomes = await Task.WhenAll(claimants.Select(a => a.Store.ClaimAsync(head[0], a.Id, Lease)));
            if (outcomes.Count(o => o.Succeeded) > 1)
            {
                _violations.Enqueue($"{head[0]} claimed by {outcomes.Count(o => o.Succeeded)} agents at once");
            }

            Interlocked.Increment(ref _racesSeen);
        }

        await Task.Delay(15);
    }

    /// <summary>Every 30 ms one agent holding chats signs off (back 1–2 s later) or goes silent (back 0.3–2 s later; past 1.3 s marked gone), at most ten away at once; chats of those still away after the grace period are re-queued.</summary>
    private async Task DisconnectSomeoneAsync(SimAgent[] agents, Random random)
    {
        var agent = agents[random.Next(agents.Length)];
        // Only agents who hold a chat they answered: a disconnect of an idle agent tests nothing, and a chat only offered
        // goes back when its short answer lease lapses, before the agent counts as gone (under load, when agents answer
        // slowly, those were all the chats some runs disconnected). Those who sign off stay away well past the grace
        // period, so their chats really are re-queued (one who is back in time keeps them).
        if (_resolvedBy.Count < ChatCount * 9 / 10 && agent.Working && agents.Count(a => !a.Working) < 10
            && await HoldsAnAnsweredChatAsync(agent))
        {
            var signOff = random.Next(2) == 0;
            await agent.DisconnectAsync(signOff, TimeSpan.FromMilliseconds(signOff ? random.Next(1000, 2000) : random.Next(300, 2000)));
            Interlocked.Increment(ref _disconnects);
        }

        await Task.Delay(30);
    }

    private static async Task<bool> HoldsAnAnsweredChatAsync(SimAgent agent)
    {
        foreach (var chat in await agent.Store.AgentChatsAsync(agent.Id))
        {
            if ((await agent.Store.GetChatAsync(chat))?.Status == HandoffStatus.Assigned)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Runs a step until stopped; a failing step fails the test (the exception surfaces from WhenAll).</summary>
    private static async Task Loop(CancellationToken stop, Func<Task> step)
    {
        await Task.Yield();
        while (!stop.IsCancellationRequested)
        {
            await step();
        }
    }

    /// <summary>An agent's console: presence, heartbeats, and whether it is connected at all.</summary>
    private sealed class SimAgent(string id, HandoffStore store, Random random)
    {
        private long _lastBeat;
        private long _backAt;

        public string Id { get; } = id;

        public HandoffStore Store { get; } = store;

        /// <summary>Owned by this agent's loop only (Random is not thread-safe); the chaos loop has its own.</summary>
        public Random Random { get; } = random;

        /// <summary>Connected and working; false while signed off or silent.</summary>
        public bool Working => Volatile.Read(ref _backAt) == 0;

        public Task SignInAsync()
        {
            _lastBeat = Environment.TickCount64;
            return Store.SetPresenceAsync(Id, new PresenceUpdate(PresenceStatus.Online, Capacity, [], null), Departments, PresenceTtl, Grace);
        }

        public async Task KeepAliveAsync()
        {
            if (Environment.TickCount64 - _lastBeat < HeartbeatEvery.TotalMilliseconds)
            {
                return;
            }

            _lastBeat = Environment.TickCount64;
            if (!await Store.HeartbeatAsync(Id, PresenceTtl))
            {
                await SignInAsync(); // marked gone while busy: sign in again, as the console would
            }
        }

        /// <summary>Signs off (chats re-queued after the grace period) or just goes quiet (no heartbeat, no work).</summary>
        public async Task DisconnectAsync(bool signOff, TimeSpan away)
        {
            Volatile.Write(ref _backAt, Environment.TickCount64 + (long)away.TotalMilliseconds);
            if (signOff)
            {
                await Store.SetPresenceAsync(Id, new PresenceUpdate(PresenceStatus.Offline, Capacity, [], null), Departments, PresenceTtl, Grace);
            }
        }

        /// <summary>Brings a disconnected agent back at its next step.</summary>
        public void Reconnect()
        {
            if (Volatile.Read(ref _backAt) != 0)
            {
                Volatile.Write(ref _backAt, 1);
            }
        }

        public async Task ComeBackWhenDueAsync()
        {
            var back = Volatile.Read(ref _backAt);
            if (back != 0 && Environment.TickCount64 >= back)
            {
                await SignInAsync();
                Volatile.Write(ref _backAt, 0);
            }
        }
    }
}
