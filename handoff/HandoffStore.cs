using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;

namespace SupportBot.Handoff;

/// <summary>
/// The handoff state in Redis: department queues, agents' presence and chats, answer leases, and
/// each conversation's cycle and events. Every transition is one script (see
/// <see cref="HandoffScripts"/>), so concurrent agents, instances and timers can race freely: one
/// wins, the others get a clear refusal. Routing, hours and notifications live above this class.
/// </summary>
public sealed class HandoffStore(IConnectionMultiplexer redis, TimeProvider time, TimeSpan? chatTtl = null)
{
    /// <summary>Priorities 0–9 go in front of the waiting-since time in the queue score (lowest first).</summary>
    private const long PriorityStep = 10_000_000_000_000;

    private readonly long _ttlMs = (long)(chatTtl ?? TimeSpan.FromDays(30)).TotalMilliseconds;

    private IDatabase Db => redis.GetDatabase();

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Queue score: priority first (9 before 0), then oldest first.</summary>
    public static long QueueScore(int priority, long queuedAtMs) => (9 - Math.Clamp(priority, 0, 9)) * PriorityStep + queuedAtMs;

    /// <summary>
    /// Queue the chat. Returns null when queued now, or the status of the cycle already under way — or of the cycle the
    /// request's <see cref="EscalationRequest.Origin"/> started before, even if it is over (resolved, returned, abandoned).
    /// </summary>
    public async Task<HandoffStatus?> EscalateAsync(EscalationRequest request)
    {
        var id = request.ConversationId;
        var now = Now;
        var detail = request.Detail is null ? "" : ",\"note\":" + JsonSerializer.Serialize(request.Detail);
        var result = (string?)await Db.ScriptEvaluateAsync(
            HandoffScripts.Escalate,
            [RedisKeys.HandoffChat(id), RedisKeys.HandoffEvents(id), RedisKeys.Owner(id), RedisKeys.HandoffQueue(request.Department)],
            [id, now, request.Department, request.Priority, QueueScore(request.Priority, now), request.Reason, JsonSerializer.Serialize(request.Reason),
             request.AfterHours ? "1" : "0", _ttlMs, detail, request.Origin ?? ""]);
        return result == "ok" ? null : ParseStatus(result);
    }

    /// <summary>
    /// The agent takes the chat: first one wins. With <paramref name="pull"/> the agent may also
    /// take a conversation the bot is handling (it lands in <paramref name="defaultDepartment"/>).
    /// </summary>
    public async Task<HandoffOutcome> ClaimAsync(string conversationId, string agentId, TimeSpan answerLease, bool pull = false, string defaultDepartment = "support")
    {
        for (var attempt = 0; ; attempt++)
        {
            var department = (string?)await Db.HashGetAsync(RedisKeys.HandoffChat(conversationId), "dept") ?? defaultDepartment;
            var now = Now;
            var result = (string?)await Db.ScriptEvaluateAsync(
                HandoffScripts.Claim,
                [RedisKeys.HandoffChat(conversationId), RedisKeys.HandoffEvents(conversationId), RedisKeys.Owner(conversationId),
                 RedisKeys.HandoffQueue(department), RedisKeys.HandoffLeases, RedisKeys.Agent(agentId), RedisKeys.AgentChats(agentId),
                 RedisKeys.AgentPresence, RedisKeys.HandoffFigures("wait")],
                [conversationId, now, agentId, department, now + (long)answerLease.TotalMilliseconds, pull ? "1" : "0", _ttlMs,
                 defaultDepartment, QueueScore(0, now)]);
            if (result == "retry" && attempt < 5)
            {
                continue; // transferred to another department meanwhile: look again
            }

            return result switch
            {
                "ok" or "already" => HandoffOutcome.Done,
                "taken" => new(HandoffRefusal.Taken, "Another agent has this chat."),
                "agent-unavailable" => new(HandoffRefusal.AgentUnavailable, "Set your presence to online or away first."),
                "not-queued" => new(HandoffRefusal.WrongState, "The chat is not waiting for a person."),
                _ => new(HandoffRefusal.WrongState, "The chat changed meanwhile; try again."),
            };
        }
    }

    /// <summary>Automatic assignment: offer a chat of <paramref name="department"/>'s queue to the agent.</summary>
    /// <param name="returning">The customer came back to the agent who resolved their last chat.</param>
    /// <param name="again">
    /// No agent it was not yet offered to can take it: offer it even to one who let its answer lease lapse, and let
    /// every agent be tried once more after that.
    /// </param>
    public async Task<HandoffOutcome> OfferAsync(string conversationId, string department, string agentId, TimeSpan answerLease, bool returning = false, bool again = false)
    {
        var now = Now;
        var result = (string?)await Db.ScriptEvaluateAsync(
            HandoffScripts.Offer,
            [RedisKeys.HandoffChat(conversationId), RedisKeys.HandoffEvents(conversationId), RedisKeys.Owner(conversationId),
             RedisKeys.HandoffQueue(department), RedisKeys.HandoffLeases, RedisKeys.Agent(agentId), RedisKeys.AgentChats(agentId),
             RedisKeys.AgentPresence, RedisKeys.HandoffFigures("wait")],
            [conversationId, now, agentId, department, now + (long)answerLease.TotalMilliseconds, _ttlMs, again ? "again" : returning ? "returning" : "offered"]);
        return result switch
        {
            "ok" => HandoffOutcome.Done,
            "agent-unavailable" => new(HandoffRefusal.AgentUnavailable),
            "agent-full" => new(HandoffRefusal.AgentFull),
            "excluded" => new(HandoffRefusal.Excluded),
            _ => new(HandoffRefusal.WrongState, "No longer waiting in that queue."),
        };
    }

    /// <summary>
    /// The agent's message: queued in the conversation's outbox (the pipeline sends it on the
    /// conversation's own channel) and kept in the transcript. The caller wakes the pipeline.
    /// </summary>
    public async Task<HandoffOutcome> AgentMessageAsync(string conversationId, string agentId, RedisValue outboxItem, RedisValue transcriptEntry)
    {
        var result = (string?)await Db.ScriptEvaluateAsync(
            HandoffScripts.AgentMessage,
            [RedisKeys.HandoffChat(conversationId), RedisKeys.HandoffEvents(conversationId), RedisKeys.HandoffLeases,
             RedisKeys.Outbox(conversationId), RedisKeys.Transcript(conversationId), RedisKeys.PendingConversations, RedisKeys.HandoffFigures("first-response")],
            [conversationId, Now, agentId, outboxItem, transcriptEntry, _ttlMs]);
        return Refusal(result);
    }

    /// <summary>The holder hands the chat to another agent, who gets their own answer lease.</summary>
    public async Task<HandoffOutcome> TransferToAgentAsync(string conversationId, string fromAgentId, string toAgentId, string? note, TimeSpan answerLease) =>
        TransferOutcome(await TransferToAgentScriptAsync(conversationId, fromAgentId, toAgentId, note, answerLease, by: ""), toAgentId);

    /// <summary>Back into a department's queue, keeping its waiting-since, so it is served soon.</summary>
    public async Task<HandoffOutcome> TransferToDepartmentAsync(string conversationId, string fromAgentId, string department, string? note) =>
        Refusal(await TransferToDepartmentScriptAsync(conversationId, fromAgentId, department, note, by: ""));

    /// <summary>
    /// A supervisor moves a chat from whoever holds it (offered or assigned) to <paramref name="toAgentId"/>: the holder
    /// loses it, and the event names the supervisor. Returns the agent who held it.
    /// </summary>
    public Task<(HandoffOutcome Outcome, string? PreviousAgent)> ReassignToAgentAsync(string conversationId, string supervisorId, string toAgentId, string? note, TimeSpan answerLease) =>
        ReassignAsync(conversationId, async holder =>
        {
            var result = await TransferToAgentScriptAsync(conversationId, holder, toAgentId, note, answerLease, supervisorId);
            return result == "moved" ? null : TransferOutcome(result, toAgentId);
        });

    /// <summary>A supervisor puts a chat whoever holds it back into a department's queue. Returns the agent who held it.</summary>
    public Task<(HandoffOutcome Outcome, string? PreviousAgent)> ReassignToDepartmentAsync(string conversationId, string supervisorId, string department, string? note) =>
        ReassignAsync(conversationId, async holder =>
        {
            var result = await TransferToDepartmentScriptAsync(conversationId, holder, department, note, supervisorId);
            return result == "moved" ? null : Refusal(result);
        });

    /// <summary>Reads the holder and runs the transfer from them; the script refuses (null here) when the holder changed meanwhile, and we look again.</summary>
    private async Task<(HandoffOutcome Outcome, string? PreviousAgent)> ReassignAsync(string conversationId, Func<string, Task<HandoffOutcome?>> transferFrom)
    {
        for (var attempt = 0; ; attempt++)
        {
            var holder = (string?)await Db.HashGetAsync(RedisKeys.HandoffChat(conversationId), "agent");
            if (await transferFrom(holder ?? "") is { } outcome)
            {
                return (outcome, holder);
            }

            if (attempt >= 5)
            {
                return (new(HandoffRefusal.WrongState, "The chat changed meanwhile; try again."), holder);
            }
        }
    }

    private async Task<string?> TransferToAgentScriptAsync(string conversationId, string fromAgentId, string toAgentId, string? note, TimeSpan answerLease, string by)
    {
        var now = Now;
        return (string?)await Db.ScriptEvaluateAsync(
            HandoffScripts.TransferToAgent,
            [RedisKeys.HandoffChat(conversationId), RedisKeys.HandoffEvents(conversationId), RedisKeys.Owner(conversationId), RedisKeys.HandoffLeases,
             RedisKeys.AgentChats(fromAgentId), RedisKeys.Agent(toAgentId), RedisKeys.AgentChats(toAgentId), RedisKeys.AgentPresence],
            [conversationId, now, fromAgentId, toAgentId, now + (long)answerLease.TotalMilliseconds, _ttlMs, JsonSerializer.Serialize(note), by]);
    }

    private async Task<string?> TransferToDepartmentScriptAsync(string conversationId, string fromAgentId, string department, string? note, string by)
    {
        var chat = await GetChatAsync(conversationId);
        if (chat is null)
        {
            return "unknown";
        }

        var score = QueueScore(chat.Priority, (chat.QueuedAt ?? time.GetUtcNow()).ToUnixTimeMilliseconds());
        return (string?)await Db.ScriptEvaluateAsync(
            HandoffScripts.TransferToDepartment,
            [RedisKeys.HandoffChat(conversationId), RedisKeys.HandoffEvents(conversationId), RedisKeys.Owner(conversationId), RedisKeys.HandoffLeases,
             RedisKeys.AgentChats(fromAgentId), RedisKeys.HandoffQueue(department)],
            [conversationId, Now, fromAgentId, department, score, _ttlMs, JsonSerializer.Serialize(note), by]);
    }

    private static HandoffOutcome TransferOutcome(string? result, string toAgentId) => result switch
    {
        "agent-unavailable" => new(HandoffRefusal.AgentUnavailable, $"Agent '{toAgentId}' is not signed in."),
        "already" => new(HandoffRefusal.WrongState, $"The chat is already with '{toAgentId}'."),
        _ => Refusal(result),
    };

    /// <summary>The agent hands the conversation back to the bot.</summary>
    public Task<HandoffOutcome> ReturnToBotAsync(string conversationId, string agentId, string? note, string? handBackToken = null) =>
        CloseAsync(conversationId, agentId, "returned", note, TimeSpan.Zero, handBackToken);

    /// <summary>Done. The customer returns to this agent if they write again within <paramref name="rememberAgentFor"/>.</summary>
    public Task<HandoffOutcome> ResolveAsync(string conversationId, string agentId, string? reason, TimeSpan rememberAgentFor, string? handBackToken = null) =>
        CloseAsync(conversationId, agentId, "resolved", reason, rememberAgentFor, handBackToken);

    /// <summary>
    /// Resolves a chat whose customer has not written since the agent's last message (<paramref name="idle"/>, as
    /// <see cref="IdleChatsAsync"/> found it), with the reason <see cref="IdleReason"/>. Refused when anything happened in
    /// the chat since it was read. Its handle time ends at the agent's last message, not hours later now.
    /// </summary>
    public Task<HandoffOutcome> ResolveIdleAsync(IdleChat idle, TimeSpan rememberAgentFor, string? handBackToken = null) =>
        CloseAsync(idle.ConversationId, idle.AgentId, "resolved", IdleReason, rememberAgentFor, handBackToken, idle.LastEvent, idle.LastReplyAt);

    /// <summary>The resolve reason of a chat closed because the customer did not answer the agent's last message.</summary>
    public const string IdleReason = "idle";

    /// <summary>
    /// Chats agents hold whose last event is the agent's message, from before <paramref name="quietSince"/>: the customer
    /// has not answered. A chat whose customer wrote last waits for the agent, and is not idle however long it waits.
    /// </summary>
    public async Task<IReadOnlyList<IdleChat>> IdleChatsAsync(DateTimeOffset quietSince)
    {
        var idle = new List<IdleChat>();
        foreach (var agentId in await AgentIdsAsync())
        {
            foreach (var conversationId in await AgentChatsAsync(agentId))
            {
                var last = (string?)await Db.ListGetByIndexAsync(RedisKeys.HandoffEvents(conversationId), -1);
                if (last is not null
                    && JsonSerializer.Deserialize(last, HandoffJson.Default.HandoffEvent) is { Type: "agent_message" } message
                    && message.AgentId == agentId && message.At < quietSince)
                {
                    idle.Add(new IdleChat(conversationId, agentId, message.At, last));
                }
            }
        }

        return idle;
    }

    /// <param name="handBackToken">When the customer is to be told: kept in <see cref="RedisKeys.HandBacksToTell"/> with the close, in the same script.</param>
    /// <param name="expectedLastEvent">Closed only if this is still the chat's last event (as read before).</param>
    /// <param name="handledUntil">The end of the handle time; null: now.</param>
    private async Task<HandoffOutcome> CloseAsync(
        string conversationId, string agentId, string status, string? text, TimeSpan rememberAgentFor, string? handBackToken,
        string? expectedLastEvent = null, DateTimeOffset? handledUntil = null)
    {
        var result = (string?)await Db.ScriptEvaluateAsync(
            HandoffScripts.Close,
            [RedisKeys.HandoffChat(conversationId), RedisKeys.HandoffEvents(conversationId), RedisKeys.Owner(conversationId), RedisKeys.HandoffLeases,
             RedisKeys.AgentChats(agentId), RedisKeys.LastAgent(conversationId), RedisKeys.HandoffFigures("handle"), RedisKeys.HandBacksToTell],
            [conversationId, Now, agentId, _ttlMs, status, JsonSerializer.Serialize(text), Math.Max(1, (long)rememberAgentFor.TotalMilliseconds), handBackToken ?? "",
             handledUntil is { } until ? until.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) : "", expectedLastEvent ?? ""]);
        return Refusal(result);
    }

    /// <summary>Hand-backs closed before <paramref name="closedBefore"/> whose customer has not been told yet, oldest first.</summary>
    public async Task<IReadOnlyList<HandBackToTell>> HandBacksToTellAsync(DateTimeOffset closedBefore, int take = 100)
    {
        var members = await Db.SortedSetRangeByScoreAsync(RedisKeys.HandBacksToTell, double.NegativeInfinity, closedBefore.ToUnixTimeMilliseconds(), take: take);
        return [.. members.Select(m => HandBackToTell.Parse(m!)).OfType<HandBackToTell>()];
    }

    /// <summary>The notice is in the conversation's inbox (or no longer wanted).</summary>
    public Task HandBackToldAsync(HandBackToTell handBack) => Db.SortedSetRemoveAsync(RedisKeys.HandBacksToTell, handBack.Member);

    /// <summary>
    /// The customer's rating (1–5) of the chat resolved at <paramref name="closedAt"/>: kept with its agent and department
    /// among the recent satisfaction figures and as the chat's <c>rated</c> event. <c>already</c> when this close was rated.
    /// </summary>
    public async Task<string> RateAsync(string conversationId, DateTimeOffset closedAt, int rating)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rating, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rating, 5);
        return (string?)await Db.ScriptEvaluateAsync(
            HandoffScripts.Rate,
            [RedisKeys.HandoffChat(conversationId), RedisKeys.HandoffEvents(conversationId), RedisKeys.HandoffFigures(SatisfactionFigure), RedisKeys.LowRatings],
            [conversationId, Now, _ttlMs, closedAt.ToUnixTimeMilliseconds(), rating]) ?? "unknown";
    }

    /// <summary>The newest ratings of 1 or 2, newest first: whose chat, which agent and department, when.</summary>
    public async Task<IReadOnlyList<LowRating>> LowRatingsAsync(int take = 20)
    {
        var ratings = new List<LowRating>();
        foreach (var entry in await Db.ListRangeAsync(RedisKeys.LowRatings, 0, take - 1))
        {
            // The conversation id comes last: whatever it holds, the first four fields are split off cleanly.
            if (((string?)entry)?.Split('|', 5) is [var at, var rating, var department, var agent, var conversation]
                && long.TryParse(at, CultureInfo.InvariantCulture, out var ms) && int.TryParse(rating, CultureInfo.InvariantCulture, out var value))
            {
                ratings.Add(new LowRating(conversation, agent, department, value, DateTimeOffset.FromUnixTimeMilliseconds(ms)));
            }
        }

        return ratings;
    }

    /// <summary>The recent-figures list of ratings: <c>department|agent|rating</c>, newest first.</summary>
    public const string SatisfactionFigure = "satisfaction";

    /// <summary>
    /// Forgets one conversation (its customer's data erased on request): out of every queue, lease and agent's list,
    /// its hand-back and low rating unlisted, and every key of it deleted. An agent holding it loses it. Returns the
    /// handoff as it stood (null: it never had one).
    /// </summary>
    public async Task<HandoffChat?> ForgetConversationAsync(string conversationId, IEnumerable<string> departments)
    {
        var chat = await GetChatAsync(conversationId);
        var db = Db;
        foreach (var department in departments)
        {
            await db.SortedSetRemoveAsync(RedisKeys.HandoffQueue(department), conversationId);
        }

        await db.SortedSetRemoveAsync(RedisKeys.HandoffLeases, conversationId);
        await db.SortedSetRemoveAsync(RedisKeys.PendingConversations, conversationId);
        if (chat?.AgentId is { } agentId)
        {
            await db.SetRemoveAsync(RedisKeys.AgentChats(agentId), conversationId);
        }

        var suffix = "|" + conversationId;
        foreach (var member in await db.SortedSetRangeByRankAsync(RedisKeys.HandBacksToTell))
        {
            if (((string)member!).EndsWith(suffix, StringComparison.Ordinal))
            {
                await db.SortedSetRemoveAsync(RedisKeys.HandBacksToTell, member);
            }
        }

        foreach (var entry in await db.ListRangeAsync(RedisKeys.LowRatings))
        {
            if (((string)entry!).EndsWith(suffix, StringComparison.Ordinal))
            {
                await db.ListRemoveAsync(RedisKeys.LowRatings, entry);
            }
        }

        await db.KeyDeleteAsync(RedisKeys.OfConversation(conversationId));
        return chat;
    }

    /// <summary>The customer stopped waiting: back to the bot.</summary>
    public async Task<HandoffOutcome> AbandonAsync(string conversationId)
    {
        for (var attempt = 0; ; attempt++)
        {
            var department = (string?)await Db.HashGetAsync(RedisKeys.HandoffChat(conversationId), "dept") ?? "";
            var result = (string?)await Db.ScriptEvaluateAsync(
                HandoffScripts.Abandon,
                [RedisKeys.HandoffChat(conversationId), RedisKeys.HandoffEvents(conversationId), RedisKeys.Owner(conversationId), RedisKeys.HandoffQueue(department)],
                [conversationId, Now, _ttlMs, department]);
            if (result != "retry" || attempt >= 5)
            {
                return Refusal(result);
            }
        }
    }

    /// <summary>Give the chat back to its queue's head: the agent let the answer lease run out (they are skipped next time) or vanished.</summary>
    public async Task<HandoffOutcome> RequeueAsync(string conversationId, string agentId, bool leaseExpired)
    {
        for (var attempt = 0; ; attempt++)
        {
            var department = (string?)await Db.HashGetAsync(RedisKeys.HandoffChat(conversationId), "dept") ?? "";
            var result = (string?)await Db.ScriptEvaluateAsync(
                HandoffScripts.Requeue,
                [RedisKeys.HandoffChat(conversationId), RedisKeys.HandoffEvents(conversationId), RedisKeys.Owner(conversationId), RedisKeys.HandoffLeases,
                 RedisKeys.AgentChats(agentId), RedisKeys.HandoffQueue(department), RedisKeys.AgentPresence],
                [conversationId, Now, agentId, _ttlMs, leaseExpired ? "lease_expired" : "agent_gone", department]);
            if (result != "retry" || attempt >= 5)
            {
                return result == "not-due" ? new(HandoffRefusal.NotDue) : Refusal(result);
            }
        }
    }

    /// <summary>
    /// Sets the agent's presence (also their heartbeat). <paramref name="allDepartments"/> lists every
    /// configured department, so the agent leaves the ones they no longer serve.
    /// Returns the status before.
    /// </summary>
    public async Task<PresenceStatus> SetPresenceAsync(string agentId, PresenceUpdate update, IReadOnlyList<string> allDepartments, TimeSpan presenceTtl, TimeSpan grace)
    {
        var now = Now;
        var serves = update.Departments.Count == 0 ? allDepartments : update.Departments;
        var keys = new List<RedisKey> { RedisKeys.Agent(agentId), RedisKeys.AgentPresence, RedisKeys.VanishedAgents, RedisKeys.Agents };
        var args = new List<RedisValue>
        {
            agentId, now, StatusWord(update.Status), update.Capacity, now + (long)presenceTtl.TotalMilliseconds, update.Name ?? agentId,
            string.Join(',', update.Departments), now + (long)grace.TotalMilliseconds,
        };
        foreach (var department in allDepartments)
        {
            keys.Add(RedisKeys.DepartmentAgents(department));
            args.Add(serves.Contains(department, StringComparer.Ordinal) ? "1" : "0");
        }

        var before = (string?)await Db.ScriptEvaluateAsync(HandoffScripts.Presence, [.. keys], [.. args]);
        return ParsePresence(before);
    }

    /// <summary>Keeps a signed-in agent alive. False when they are not signed in.</summary>
    public async Task<bool> HeartbeatAsync(string agentId, TimeSpan presenceTtl)
    {
        var now = Now;
        return (long)await Db.ScriptEvaluateAsync(
            HandoffScripts.Heartbeat, [RedisKeys.Agent(agentId), RedisKeys.AgentPresence], [agentId, now, now + (long)presenceTtl.TotalMilliseconds]) == 1;
    }

    /// <summary>Agents whose heartbeat ran out are marked gone; their chats are re-queued after <paramref name="grace"/>. Returns them.</summary>
    public async Task<IReadOnlyList<string>> MarkSilentAgentsGoneAsync(TimeSpan grace)
    {
        var now = Now;
        var silent = await Db.SortedSetRangeByScoreAsync(RedisKeys.AgentPresence, double.NegativeInfinity, now - 1, take: 100);
        var gone = new List<string>();
        foreach (var agent in silent)
        {
            var marked = (long)await Db.ScriptEvaluateAsync(
                HandoffScripts.Vanish, [RedisKeys.Agent(agent!), RedisKeys.AgentPresence, RedisKeys.VanishedAgents], [agent, now, now + (long)grace.TotalMilliseconds]);
            if (marked == 1)
            {
                gone.Add(agent!);
            }
        }

        return gone;
    }

    /// <summary>Agents gone past their grace period and still not back: their chats go back to the queues. Returns the chats moved.</summary>
    public async Task<IReadOnlyList<string>> RequeueChatsOfGoneAgentsAsync()
    {
        var now = Now;
        var moved = new List<string>();
        foreach (var agent in await Db.SortedSetRangeByScoreAsync(RedisKeys.VanishedAgents, double.NegativeInfinity, now, take: 100))
        {
            var agentId = (string)agent!;
            if ((await Db.SortedSetScoreAsync(RedisKeys.AgentPresence, agentId)) is { } alive && alive >= now)
            {
                await Db.SortedSetRemoveAsync(RedisKeys.VanishedAgents, agentId);
                continue;
            }

            foreach (var chat in await Db.SetMembersAsync(RedisKeys.AgentChats(agentId)))
            {
                if ((await RequeueAsync(chat!, agentId, leaseExpired: false)).Succeeded)
                {
                    moved.Add(chat!);
                }
            }

            // Leave the agent in the list while chats remain (e.g. one moved by a transfer meanwhile); the next round finishes.
            if (await Db.SetLengthAsync(RedisKeys.AgentChats(agentId)) == 0)
            {
                await Db.SortedSetRemoveAsync(RedisKeys.VanishedAgents, agentId);
            }
        }

        return moved;
    }

    /// <summary>Offered or assigned chats whose answer lease has run out.</summary>
    public async Task<IReadOnlyList<string>> ExpiredLeasesAsync(int take = 100) =>
        [.. (await Db.SortedSetRangeByScoreAsync(RedisKeys.HandoffLeases, double.NegativeInfinity, Now, take: take)).Select(v => (string)v!)];

    // ---- Reads ----

    public async Task<HandoffChat?> GetChatAsync(string conversationId) =>
        ReadChat(conversationId, await Db.HashGetAllAsync(RedisKeys.HandoffChat(conversationId)));

    /// <summary>
    /// The chat, its owner, events, transcript and customer profile as they stood at one moment (one MULTI/EXEC; the
    /// keys share the conversation's hash tag). Read one by one, a re-offer landing in between could give a chat still
    /// "offered" to the first agent with the events of it going back to the queue.
    /// </summary>
    public async Task<ConversationDetails> GetDetailsAsync(string conversationId, int transcriptTake = 500)
    {
        var transaction = Db.CreateTransaction();
        var chat = transaction.HashGetAllAsync(RedisKeys.HandoffChat(conversationId));
        var owner = transaction.StringGetAsync(RedisKeys.Owner(conversationId));
        var events = transaction.ListRangeAsync(RedisKeys.HandoffEvents(conversationId));
        var transcript = transaction.ListRangeAsync(RedisKeys.Transcript(conversationId), -transcriptTake, -1);
        var profile = transaction.StringGetAsync(RedisKeys.Profile(conversationId));
        await transaction.ExecuteAsync();
        return new ConversationDetails(
            ReadChat(conversationId, await chat),
            ConversationOwner.Parse(await owner),
            ReadEvents(await events),
            ReadTranscript(await transcript),
            ReadProfile(await profile));
    }

    private static HandoffChat? ReadChat(string conversationId, HashEntry[] fields)
    {
        if (fields.Length == 0)
        {
            return null;
        }

        var map = fields.ToDictionary(f => (string)f.Name!, f => (string?)f.Value);
        return new HandoffChat
        {
            ConversationId = conversationId,
            Status = ParseStatus(map.GetValueOrDefault("st")) ?? HandoffStatus.None,
            Department = map.GetValueOrDefault("dept"),
            Priority = int.TryParse(map.GetValueOrDefault("prio"), CultureInfo.InvariantCulture, out var p) ? p : 0,
            Reason = map.GetValueOrDefault("reason"),
            AgentId = map.GetValueOrDefault("agent"),
            AnsweredBy = map.GetValueOrDefault("ans"),
            AfterHours = map.GetValueOrDefault("ah") == "1",
            QueuedAt = Time(map.GetValueOrDefault("qat")),
            OfferedAt = Time(map.GetValueOrDefault("oat")),
            AssignedAt = Time(map.GetValueOrDefault("aat")),
            FirstResponseAt = Time(map.GetValueOrDefault("fr")),
            ClosedAt = Time(map.GetValueOrDefault("cat")),
            AnswerDeadline = Time(map.GetValueOrDefault("dl")),
        };
    }

    public async Task<IReadOnlyList<HandoffEvent>> GetEventsAsync(string conversationId) =>
        ReadEvents(await Db.ListRangeAsync(RedisKeys.HandoffEvents(conversationId)));

    private static List<HandoffEvent> ReadEvents(RedisValue[] raw)
    {
        var events = new List<HandoffEvent>(raw.Length);
        foreach (var item in raw)
        {
            if (JsonSerializer.Deserialize((string)item!, HandoffJson.Default.HandoffEvent) is { } e)
            {
                events.Add(e);
            }
        }

        return events;
    }

    /// <summary>The waiting chats of the departments, each department in serving order.</summary>
    public async Task<IReadOnlyList<QueuedChat>> GetQueueAsync(IEnumerable<string> departments, int takePerDepartment = 200)
    {
        var result = new List<QueuedChat>();
        foreach (var department in departments)
        {
            var entries = await Db.SortedSetRangeByRankWithScoresAsync(RedisKeys.HandoffQueue(department), 0, takePerDepartment - 1);
            var chats = await Task.WhenAll(entries.Select(e => GetChatAsync((string)e.Element!)));
            for (var i = 0; i < entries.Length; i++)
            {
                var chat = chats[i];
                var score = (long)entries[i].Score;
                result.Add(new QueuedChat(
                    (string)entries[i].Element!, department, i + 1,
                    chat?.QueuedAt ?? DateTimeOffset.FromUnixTimeMilliseconds(score % PriorityStep),
                    chat?.Reason, chat?.Priority ?? 0, chat?.AfterHours ?? false));
            }
        }

        return result;
    }

    /// <summary>1-based place in its department's queue, or null when not waiting.</summary>
    public async Task<long?> PositionAsync(string conversationId, string department) =>
        await Db.SortedSetRankAsync(RedisKeys.HandoffQueue(department), conversationId) is { } rank ? rank + 1 : null;

    public async Task<long> QueueLengthAsync(string department) => await Db.SortedSetLengthAsync(RedisKeys.HandoffQueue(department));

    /// <summary>Up to <paramref name="take"/> chats at the head of the department's queue, in serving order.</summary>
    public async Task<IReadOnlyList<string>> QueueHeadAsync(string department, int take) =>
        [.. (await Db.SortedSetRangeByRankAsync(RedisKeys.HandoffQueue(department), 0, take - 1)).Select(v => (string)v!)];

    /// <summary>The department's round-robin counter, advanced by <paramref name="by"/>.</summary>
    public async Task<long> NextRoundRobinAsync(string department, long by) =>
        by == 0 ? (long?)await Db.StringGetAsync(RedisKeys.RoundRobin(department)) ?? 0 : await Db.StringIncrementAsync(RedisKeys.RoundRobin(department), by);

    public async Task<IReadOnlyList<string>> AgentChatsAsync(string agentId) =>
        [.. (await Db.SetMembersAsync(RedisKeys.AgentChats(agentId))).Select(v => (string)v!)];

    public async Task<IReadOnlyList<string>> DepartmentAgentsAsync(string department) =>
        [.. (await Db.SetMembersAsync(RedisKeys.DepartmentAgents(department))).Select(v => (string)v!)];

    public async Task<AgentState?> GetAgentAsync(string agentId)
    {
        var db = Db;
        var fieldsTask = db.HashGetAllAsync(RedisKeys.Agent(agentId));
        var countTask = db.SetLengthAsync(RedisKeys.AgentChats(agentId));
        var aliveTask = db.SortedSetScoreAsync(RedisKeys.AgentPresence, agentId);
        var fields = await fieldsTask;
        if (fields.Length == 0)
        {
            return null;
        }

        var map = fields.ToDictionary(f => (string)f.Name!, f => (string?)f.Value);
        var departments = map.GetValueOrDefault("depts") is { Length: > 0 } csv ? csv.Split(',') : [];
        var alive = await aliveTask is { } deadline && deadline >= Now;
        var status = ParsePresence(map.GetValueOrDefault("st"));
        return new AgentState(
            agentId, map.GetValueOrDefault("name"), alive ? status : PresenceStatus.Offline,
            int.TryParse(map.GetValueOrDefault("cap"), CultureInfo.InvariantCulture, out var cap) ? cap : 1,
            departments, (int)await countTask, Time(map.GetValueOrDefault("seen")), alive);
    }

    public async Task<IReadOnlyList<string>> AgentIdsAsync() =>
        [.. (await Db.SetMembersAsync(RedisKeys.Agents)).Select(v => (string)v!).Order(StringComparer.Ordinal)];

    /// <summary>Recent figures (wait, first-response, handle), optionally for one department or agent.</summary>
    public async Task<HandoffFigures> FiguresAsync(string figure, string? department = null, string? agentId = null)
    {
        var samples = new List<long>();
        foreach (var entry in await Db.ListRangeAsync(RedisKeys.HandoffFigures(figure), 0, 999))
        {
            var parts = ((string)entry!).Split('|');
            if (parts.Length == 3 && (department is null || parts[0] == department) && (agentId is null || parts[1] == agentId)
                && long.TryParse(parts[2], CultureInfo.InvariantCulture, out var ms))
            {
                samples.Add(ms);
            }
        }

        if (samples.Count == 0)
        {
            return new HandoffFigures(0, null, null);
        }

        samples.Sort();
        return new HandoffFigures(samples.Count, TimeSpan.FromMilliseconds(samples[samples.Count / 2]), TimeSpan.FromMilliseconds(samples.Average()));
    }

    public async Task<ConversationProfile?> GetProfileAsync(string conversationId) =>
        ReadProfile(await Db.StringGetAsync(RedisKeys.Profile(conversationId)));

    private static ConversationProfile? ReadProfile(RedisValue json) =>
        json.IsNull ? null : JsonSerializer.Deserialize((string)json!, ConversationJson.Default.ConversationProfile);

    /// <summary>The last <paramref name="take"/> lines of the conversation, oldest first; replies that failed for good are marked.</summary>
    public async Task<IReadOnlyList<TranscriptEntry>> GetTranscriptAsync(string conversationId, int take = 500) =>
        ReadTranscript(await Db.ListRangeAsync(RedisKeys.Transcript(conversationId), -take, -1));

    private static IReadOnlyList<TranscriptEntry> ReadTranscript(RedisValue[] raw)
    {
        List<TranscriptEntry> entries = [.. raw.Select(r => JsonSerializer.Deserialize((string)r!, ConversationJson.Default.TranscriptEntry)).OfType<TranscriptEntry>()];
        var failed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var failure in entries.Where(e => e.IsDeliveryFailure))
        {
            failed[failure.OutboxId!] = failure.Kind!;
        }

        return failed.Count == 0 ? entries
            : [.. entries.Select(e => e.From != TranscriptEntry.System && e.OutboxId is { } id && failed.TryGetValue(id, out var kind) ? e with { DeliveryFailure = kind } : e)];
    }

    /// <summary>The agent who resolved the conversation last, if within the remembered window.</summary>
    public async Task<string?> LastAgentAsync(string conversationId) => await Db.StringGetAsync(RedisKeys.LastAgent(conversationId));

    public async Task<ConversationOwner> OwnerAsync(string conversationId) => ConversationOwner.Parse(await Db.StringGetAsync(RedisKeys.Owner(conversationId)));

    private static HandoffOutcome Refusal(string? result) => result switch
    {
        "ok" => HandoffOutcome.Done,
        "unknown" => new(HandoffRefusal.UnknownChat, "No handoff for this conversation."),
        "not-yours" => new(HandoffRefusal.NotYours, "The chat is held by another agent."),
        "wrong-state" => new(HandoffRefusal.WrongState, "No agent holds this chat now."),
        "agent-unavailable" => new(HandoffRefusal.AgentUnavailable),
        _ => new(HandoffRefusal.WrongState, "The chat changed meanwhile; try again."),
    };

    private static DateTimeOffset? Time(string? ms) =>
        long.TryParse(ms, CultureInfo.InvariantCulture, out var value) ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;

    private static HandoffStatus? ParseStatus(string? word) => word switch
    {
        "queued" => HandoffStatus.Queued,
        "offered" => HandoffStatus.Offered,
        "assigned" => HandoffStatus.Assigned,
        "returned" => HandoffStatus.Returned,
        "resolved" => HandoffStatus.Resolved,
        "abandoned" => HandoffStatus.Abandoned,
        _ => null,
    };

    private static string StatusWord(PresenceStatus status) => status switch
    {
        PresenceStatus.Online => "online",
        PresenceStatus.Away => "away",
        _ => "offline",
    };

    private static PresenceStatus ParsePresence(string? word) => word switch
    {
        "online" => PresenceStatus.Online,
        "away" => PresenceStatus.Away,
        _ => PresenceStatus.Offline,
    };
}

[System.Text.Json.Serialization.JsonSerializable(typeof(HandoffEvent))]
internal sealed partial class HandoffJson : System.Text.Json.Serialization.JsonSerializerContext;
