namespace SupportBot.Handoff;

/// <summary>
/// The handoff transitions, one Lua script each, so a chat is never half-moved and two agents can
/// never hold it. Every key a script touches is passed in KEYS (Garnet locks exactly those in its
/// Lua transaction mode). Each script answers a short status word: <c>ok</c>, or why it did nothing.
/// Written for Lua 5.1 (Redis) and 5.4 (Garnet) alike: no unpack, no integer division, numbers
/// that go back to Redis are passed in as strings (Lua 5.1 prints big numbers in exponent form).
/// </summary>
internal static class HandoffScripts
{
    /// <summary>Shared helpers: append an event (capped), test a comma list.</summary>
    private const string Prelude = """
        local function event(key, ttl, json)
          redis.call('RPUSH', key, json)
          redis.call('LTRIM', key, -1000, -1)
          redis.call('PEXPIRE', key, ttl)
        end
        local function evjson(kind, now, extra)
          return '{"type":"' .. kind .. '","at":' .. now .. extra .. '}'
        end
        local function active(st) return st == 'offered' or st == 'assigned' end
        local function figure(key, dept, agent, ms)
          redis.call('LPUSH', key, dept .. '|' .. agent .. '|' .. ms)
          redis.call('LTRIM', key, 0, 999)
        end

        """;

    /// <summary>
    /// Queue a chat. KEYS: chat, events, owner, queue. ARGV: conversation, now, department, priority,
    /// score, reason, reason json, after hours (1/0), ttl, escalated extra json, origin (the channel event
    /// that asked; '' = none).
    /// Returns ok, or the status of the cycle already running (queued/offered/assigned), or of the cycle
    /// the same origin already started (a turn re-run after a crash must not start a second one).
    /// </summary>
    public const string Escalate = Prelude + """
        local h = redis.call('HMGET', KEYS[1], 'st', 'origin')
        local st = h[1]
        if st == 'queued' or active(st) then return st end
        if ARGV[11] ~= '' and h[2] == ARGV[11] then return st end
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], 'st', 'queued', 'dept', ARGV[3], 'prio', ARGV[4], 'score', ARGV[5],
          'reason', ARGV[6], 'qat', ARGV[2], 'ah', ARGV[8], 'excl', ',', 'origin', ARGV[11])
        redis.call('PEXPIRE', KEYS[1], ARGV[9])
        redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
        -- After hours the bot keeps answering while the chat waits for the next opening.
        if ARGV[8] ~= '1' then redis.call('SET', KEYS[3], 'queued', 'PX', ARGV[9]) end
        event(KEYS[2], ARGV[9], evjson('escalated', ARGV[2], ',"reason":' .. ARGV[7] .. ARGV[10]))
        event(KEYS[2], ARGV[9], evjson('queued', ARGV[2], ',"department":"' .. ARGV[3] .. '"'))
        return 'ok'
        """;

    /// <summary>Shared by the scripts that hand a chat to an agent: the agent must be signed in and not stale.</summary>
    private const string AgentCheck = """
        local function agent_here(agentkey, presencekey, agent, now, need_online)
          local ast = redis.call('HGET', agentkey, 'st')
          if not ast or ast == 'offline' then return false end
          if need_online and ast ~= 'online' then return false end
          local alive = redis.call('ZSCORE', presencekey, agent)
          return alive and tonumber(alive) >= tonumber(now)
        end

        """;

    /// <summary>
    /// An agent takes a chat: a queued one (first wins), one offered to them (accept), or — with
    /// pull — one the bot has. KEYS: chat, events, owner, queue of the expected department, leases,
    /// agent, agent chats, presence. ARGV: conversation, now, agent, expected department, answer
    /// deadline, pull (1/0), ttl, default department, default score. KEYS[9]: wait figures.
    /// Returns ok, already, taken, retry (department changed), not-queued, agent-unavailable.
    /// </summary>
    public const string Claim = Prelude + AgentCheck + """
        if not agent_here(KEYS[6], KEYS[8], ARGV[3], ARGV[2], false) then return 'agent-unavailable' end
        local h = redis.call('HMGET', KEYS[1], 'st', 'dept', 'agent', 'ans')
        local st = h[1]
        if st == 'queued' then
          if h[2] ~= ARGV[4] then return 'retry' end
          redis.call('ZREM', KEYS[4], ARGV[1])
        elseif st == 'offered' then
          if h[3] ~= ARGV[3] then return 'taken' end
        elseif st == 'assigned' then
          if h[3] == ARGV[3] then return 'already' end
          return 'taken'
        else
          if ARGV[6] ~= '1' then return 'not-queued' end
          redis.call('DEL', KEYS[1])
          redis.call('HSET', KEYS[1], 'dept', ARGV[8], 'prio', '0', 'score', ARGV[9], 'reason', 'agent-pulled',
            'qat', ARGV[2], 'ah', '0', 'excl', ',')
          h[2] = ARGV[8]; h[4] = false -- the new cycle's department and answerer, for the event below
          event(KEYS[2], ARGV[7], evjson('escalated', ARGV[2], ',"reason":"agent-pulled","agent":"' .. ARGV[3] .. '"'))
        end
        local first = redis.call('HMGET', KEYS[1], 'oat', 'aat', 'qat', 'dept')
        if not first[1] and not first[2] then
          figure(KEYS[9], first[4], ARGV[3], tostring(tonumber(ARGV[2]) - tonumber(first[3])))
        end
        redis.call('HSET', KEYS[1], 'st', 'assigned', 'agent', ARGV[3], 'aat', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[7])
        redis.call('SADD', KEYS[7], ARGV[1])
        redis.call('SET', KEYS[3], 'agent:' .. ARGV[3], 'PX', ARGV[7])
        if h[4] ~= ARGV[3] then
          redis.call('ZADD', KEYS[5], ARGV[5], ARGV[1])
          redis.call('HSET', KEYS[1], 'dl', ARGV[5])
        end
        event(KEYS[2], ARGV[7], evjson('assigned', ARGV[2], ',"agent":"' .. ARGV[3] .. '","department":"' .. (h[2] or ARGV[8]) .. '"'))
        return 'ok'
        """;

    /// <summary>
    /// Automatic assignment offers a queued chat to an online agent with room. KEYS: chat, events,
    /// owner, queue, leases, agent, agent chats, presence. ARGV: conversation, now, agent,
    /// department, answer deadline, ttl, why (offered/returning/again). KEYS[9]: wait figures.
    /// "again" offers it even to an agent who let its lease lapse, and starts the exclusions afresh.
    /// Returns ok, gone (no longer queued there), agent-unavailable, agent-full, excluded.
    /// </summary>
    public const string Offer = Prelude + AgentCheck + """
        local h = redis.call('HMGET', KEYS[1], 'st', 'dept', 'excl', 'oat', 'aat', 'qat')
        if h[1] ~= 'queued' or h[2] ~= ARGV[4] then return 'gone' end
        if not agent_here(KEYS[6], KEYS[8], ARGV[3], ARGV[2], true) then return 'agent-unavailable' end
        local cap = tonumber(redis.call('HGET', KEYS[6], 'cap') or '1')
        if redis.call('SCARD', KEYS[7]) >= cap then return 'agent-full' end
        local again = ARGV[7] == 'again'
        if not again and h[3] and string.find(h[3], ',' .. ARGV[3] .. ',', 1, true) then return 'excluded' end
        if not h[4] and not h[5] then figure(KEYS[9], ARGV[4], ARGV[3], tostring(tonumber(ARGV[2]) - tonumber(h[6]))) end
        redis.call('ZREM', KEYS[4], ARGV[1])
        redis.call('HSET', KEYS[1], 'st', 'offered', 'agent', ARGV[3], 'oat', ARGV[2], 'dl', ARGV[5])
        if again then redis.call('HSET', KEYS[1], 'excl', ',') end
        redis.call('SADD', KEYS[7], ARGV[1])
        redis.call('SET', KEYS[3], 'agent:' .. ARGV[3], 'PX', ARGV[6])
        redis.call('ZADD', KEYS[5], ARGV[5], ARGV[1])
        event(KEYS[2], ARGV[6], evjson('offered', ARGV[2], ',"agent":"' .. ARGV[3] .. '","department":"' .. ARGV[4] .. '","why":"' .. ARGV[7] .. '"'))
        return 'ok'
        """;

    /// <summary>
    /// The agent's message goes out through the conversation's outbox. An offered chat becomes
    /// assigned; the first answer ends the answer lease. KEYS: chat, events, leases, outbox,
    /// transcript, pending conversations. ARGV: conversation, now, agent, outbox item, transcript
    /// entry, ttl. KEYS[7]: first-response figures. Returns ok, unknown, wrong-state, not-yours.
    /// </summary>
    public const string AgentMessage = Prelude + """
        local h = redis.call('HMGET', KEYS[1], 'st', 'agent', 'fr', 'ans', 'dept', 'aat')
        if not h[1] then return 'unknown' end
        if not active(h[1]) then return 'wrong-state' end
        if h[2] ~= ARGV[3] then return 'not-yours' end
        if h[1] == 'offered' then
          h[6] = ARGV[2]
          redis.call('HSET', KEYS[1], 'st', 'assigned', 'aat', ARGV[2])
          event(KEYS[2], ARGV[6], evjson('assigned', ARGV[2], ',"agent":"' .. ARGV[3] .. '","department":"' .. h[5] .. '"'))
        end
        if h[4] ~= ARGV[3] then
          redis.call('HSET', KEYS[1], 'ans', ARGV[3])
          redis.call('HDEL', KEYS[1], 'dl')
          redis.call('ZREM', KEYS[3], ARGV[1])
        end
        if not h[3] then
          redis.call('HSET', KEYS[1], 'fr', ARGV[2])
          figure(KEYS[7], h[5], ARGV[3], tostring(tonumber(ARGV[2]) - tonumber(h[6] or ARGV[2])))
        end
        redis.call('RPUSH', KEYS[4], ARGV[4])
        redis.call('RPUSH', KEYS[5], ARGV[5])
        redis.call('LTRIM', KEYS[5], -500, -1)
        redis.call('PEXPIRE', KEYS[5], ARGV[6])
        redis.call('ZADD', KEYS[6], ARGV[2], ARGV[1])
        event(KEYS[2], ARGV[6], evjson('agent_message', ARGV[2], ',"agent":"' .. ARGV[3] .. '"'))
        return 'ok'
        """;

    /// <summary>Shared by the transfers: the holder hands the chat on, or a supervisor moves it from the holder they saw.</summary>
    private const string HolderCheck = """
        local function holder_problem(st, holder, from, by)
          if not st then return 'unknown' end
          if not active(st) then return 'wrong-state' end
          if holder ~= from then
            -- A supervisor's reassignment names the holder it read; someone else has the chat now: look again.
            if by ~= '' then return 'moved' end
            return 'not-yours'
          end
          return nil
        end
        local function byjson(by, from)
          if by == '' or by == from then return '' end
          return ',"by":"' .. by .. '"'
        end

        """;

    /// <summary>
    /// Hand the chat to another agent, with a note: by its holder, or by a supervisor from whoever
    /// holds it (the holder loses it). KEYS: chat, events, owner, leases, from chats, to agent, to
    /// chats, presence. ARGV: conversation, now, from (the holder), to, answer deadline, ttl, note
    /// json, by (the supervisor, or empty when the holder acts).
    /// Returns ok, unknown, wrong-state, not-yours, moved (a supervisor's holder changed), already (to the holder),
    /// agent-unavailable.
    /// </summary>
    public const string TransferToAgent = Prelude + AgentCheck + HolderCheck + """
        local h = redis.call('HMGET', KEYS[1], 'st', 'agent', 'ans')
        local problem = holder_problem(h[1], h[2], ARGV[3], ARGV[8])
        if problem then return problem end
        if ARGV[4] == ARGV[3] then return 'already' end
        if not agent_here(KEYS[6], KEYS[8], ARGV[4], ARGV[2], false) then return 'agent-unavailable' end
        redis.call('SREM', KEYS[5], ARGV[1])
        redis.call('SADD', KEYS[7], ARGV[1])
        redis.call('HSET', KEYS[1], 'st', 'assigned', 'agent', ARGV[4], 'aat', ARGV[2])
        redis.call('SET', KEYS[3], 'agent:' .. ARGV[4], 'PX', ARGV[6])
        if h[3] ~= ARGV[4] then
          redis.call('HSET', KEYS[1], 'dl', ARGV[5])
          redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
        else
          redis.call('HDEL', KEYS[1], 'dl')
          redis.call('ZREM', KEYS[4], ARGV[1])
        end
        event(KEYS[2], ARGV[6], evjson('transferred', ARGV[2], ',"from":"' .. ARGV[3] .. '","agent":"' .. ARGV[4] .. '","note":' .. ARGV[7] .. byjson(ARGV[8], ARGV[3])))
        event(KEYS[2], ARGV[6], evjson('assigned', ARGV[2], ',"agent":"' .. ARGV[4] .. '"'))
        return 'ok'
        """;

    /// <summary>
    /// Put the chat in another department's queue, near its head (it keeps its waiting-since), with
    /// a note: by its holder, or by a supervisor from whoever holds it. KEYS: chat, events, owner,
    /// leases, from chats, new queue. ARGV: conversation, now, from (the holder), department, score,
    /// ttl, note json, by (the supervisor, or empty). Returns ok, unknown, wrong-state, not-yours, moved.
    /// </summary>
    public const string TransferToDepartment = Prelude + HolderCheck + """
        local h = redis.call('HMGET', KEYS[1], 'st', 'agent')
        local problem = holder_problem(h[1], h[2], ARGV[3], ARGV[8])
        if problem then return problem end
        redis.call('SREM', KEYS[5], ARGV[1])
        redis.call('ZREM', KEYS[4], ARGV[1])
        redis.call('HDEL', KEYS[1], 'agent', 'dl', 'ans')
        redis.call('HSET', KEYS[1], 'st', 'queued', 'dept', ARGV[4], 'score', ARGV[5], 'excl', ',')
        redis.call('ZADD', KEYS[6], ARGV[5], ARGV[1])
        redis.call('SET', KEYS[3], 'queued', 'PX', ARGV[6])
        event(KEYS[2], ARGV[6], evjson('transferred', ARGV[2], ',"from":"' .. ARGV[3] .. '","department":"' .. ARGV[4] .. '","note":' .. ARGV[7] .. byjson(ARGV[8], ARGV[3])))
        event(KEYS[2], ARGV[6], evjson('queued', ARGV[2], ',"department":"' .. ARGV[4] .. '"'))
        return 'ok'
        """;

    /// <summary>
    /// The agent ends their part: back to the bot (returned) or done (resolved). Frees the agent's
    /// capacity and keeps the figures. KEYS: chat, events, owner, leases, agent chats, last agent,
    /// handle figures, hand-backs to tell. ARGV: conversation, now, agent, ttl,
    /// status (returned/resolved), reason or note json, last-agent ttl ms, hand-back token ('' when the customer is not told),
    /// when the handling ended ('' = now; an idle chat's: the agent's last message), the chat's last event as the caller
    /// read it ('' = any; an idle chat is closed only if nothing happened since).
    /// Returns ok, unknown, wrong-state, not-yours, moved-on.
    /// </summary>
    public const string Close = Prelude + """
        local h = redis.call('HMGET', KEYS[1], 'st', 'agent', 'aat', 'dept')
        if not h[1] then return 'unknown' end
        if not active(h[1]) then return 'wrong-state' end
        if h[2] ~= ARGV[3] then return 'not-yours' end
        if ARGV[10] ~= '' and redis.call('LINDEX', KEYS[2], -1) ~= ARGV[10] then return 'moved-on' end
        local handled = ARGV[2]
        if ARGV[9] ~= '' then handled = ARGV[9] end
        redis.call('SREM', KEYS[5], ARGV[1])
        redis.call('ZREM', KEYS[4], ARGV[1])
        redis.call('HDEL', KEYS[1], 'dl')
        redis.call('HSET', KEYS[1], 'st', ARGV[5], 'cat', ARGV[2])
        redis.call('SET', KEYS[3], 'bot', 'PX', ARGV[4])
        if ARGV[5] == 'resolved' then
          redis.call('SET', KEYS[6], ARGV[3], 'PX', ARGV[7])
          figure(KEYS[7], h[4], ARGV[3], tostring(math.max(0, tonumber(handled) - tonumber(h[3] or handled))))
          event(KEYS[2], ARGV[4], evjson('resolved', ARGV[2], ',"agent":"' .. ARGV[3] .. '","reason":' .. ARGV[6]))
        else
          event(KEYS[2], ARGV[4], evjson('returned', ARGV[2], ',"agent":"' .. ARGV[3] .. '","note":' .. ARGV[6]))
        end
        if ARGV[8] ~= '' then redis.call('ZADD', KEYS[8], ARGV[2], ARGV[8] .. '|' .. ARGV[1]) end
        return 'ok'
        """;

    /// <summary>
    /// The customer rated a resolved chat (the survey after the close): once per cycle, which the close's time names, so that
    /// a turn run again after a crash does not count twice and a rating meant for an earlier close is not put on a later one.
    /// A rating of 1 or 2 is also kept in the low-ratings list.
    /// KEYS: chat, events, satisfaction figures, low ratings. ARGV: conversation, now, ttl, closed at (ms, as the close wrote it), rating.
    /// Returns ok, unknown, wrong-state, already.
    /// </summary>
    public const string Rate = Prelude + """
        local h = redis.call('HMGET', KEYS[1], 'st', 'agent', 'dept', 'cat', 'rated')
        if not h[1] then return 'unknown' end
        if h[1] ~= 'resolved' or h[4] ~= ARGV[4] then return 'wrong-state' end
        if h[5] == ARGV[4] then return 'already' end
        redis.call('HSET', KEYS[1], 'rated', ARGV[4])
        figure(KEYS[3], h[3] or '', h[2] or '', ARGV[5])
        event(KEYS[2], ARGV[3], evjson('rated', ARGV[2], ',"agent":"' .. (h[2] or '') .. '","rating":' .. ARGV[5]))
        if tonumber(ARGV[5]) <= 2 then
          redis.call('LPUSH', KEYS[4], ARGV[2] .. '|' .. ARGV[5] .. '|' .. (h[3] or '') .. '|' .. (h[2] or '') .. '|' .. ARGV[1])
          redis.call('LTRIM', KEYS[4], 0, 99)
        end
        return 'ok'
        """;

    /// <summary>
    /// The customer gives up waiting ("never mind"): out of the queue, back to the bot.
    /// KEYS: chat, events, owner, queue. ARGV: conversation, now, ttl, expected department.
    /// Returns ok, unknown, wrong-state, retry.
    /// </summary>
    public const string Abandon = Prelude + """
        local h = redis.call('HMGET', KEYS[1], 'st', 'dept')
        if not h[1] then return 'unknown' end
        if h[1] ~= 'queued' then return 'wrong-state' end
        if h[2] ~= ARGV[4] then return 'retry' end
        redis.call('ZREM', KEYS[4], ARGV[1])
        redis.call('HSET', KEYS[1], 'st', 'abandoned', 'cat', ARGV[2])
        redis.call('SET', KEYS[3], 'bot', 'PX', ARGV[3])
        event(KEYS[2], ARGV[3], evjson('abandoned', ARGV[2], ''))
        return 'ok'
        """;

    /// <summary>
    /// Take a chat back from an agent and put it at the head of its queue (it keeps its place):
    /// when the answer lease ran out (the agent is skipped next time), or the agent vanished.
    /// KEYS: chat, events, owner, leases, agent chats, queue, presence. ARGV: conversation, now, agent,
    /// ttl, why (lease_expired/agent_gone), expected department.
    /// Returns ok, unknown, wrong-state, not-yours, not-due, retry.
    /// </summary>
    public const string Requeue = Prelude + """
        local h = redis.call('HMGET', KEYS[1], 'st', 'agent', 'ans', 'score', 'dept', 'excl')
        if not h[1] then
          redis.call('ZREM', KEYS[4], ARGV[1])
          redis.call('SREM', KEYS[5], ARGV[1])
          return 'unknown'
        end
        if not active(h[1]) then
          redis.call('ZREM', KEYS[4], ARGV[1])
          redis.call('SREM', KEYS[5], ARGV[1])
          return 'wrong-state'
        end
        if h[2] ~= ARGV[3] then
          redis.call('SREM', KEYS[5], ARGV[1])
          return 'not-yours'
        end
        if h[5] ~= ARGV[6] then return 'retry' end
        if ARGV[5] == 'agent_gone' then
          -- The agent may have signed back in since the caller looked: then the chat stays theirs.
          local alive = redis.call('ZSCORE', KEYS[7], ARGV[3])
          if alive and tonumber(alive) >= tonumber(ARGV[2]) then return 'not-due' end
        end
        if ARGV[5] == 'lease_expired' then
          local due = redis.call('ZSCORE', KEYS[4], ARGV[1])
          if h[3] == ARGV[3] or not due or tonumber(due) > tonumber(ARGV[2]) then return 'not-due' end
          redis.call('HSET', KEYS[1], 'excl', (h[6] or ',') .. ARGV[3] .. ',')
        end
        redis.call('SREM', KEYS[5], ARGV[1])
        redis.call('ZREM', KEYS[4], ARGV[1])
        redis.call('HDEL', KEYS[1], 'agent', 'dl', 'ans')
        redis.call('HSET', KEYS[1], 'st', 'queued')
        redis.call('ZADD', KEYS[6], h[4], ARGV[1])
        redis.call('SET', KEYS[3], 'queued', 'PX', ARGV[4])
        event(KEYS[2], ARGV[4], evjson(ARGV[5], ARGV[2], ',"agent":"' .. ARGV[3] .. '"'))
        event(KEYS[2], ARGV[4], evjson('queued', ARGV[2], ',"department":"' .. h[5] .. '"'))
        return 'ok'
        """;

    /// <summary>
    /// An agent says online / away / offline (also the heartbeat). KEYS: agent, presence, vanished,
    /// agents, then one department-agents set per configured department. ARGV: agent, now, status,
    /// capacity, heartbeat deadline, name, departments csv, re-queue due (for offline), then one
    /// 1/0 per department (serves it or not). Returns the previous status.
    /// </summary>
    public const string Presence = """
        local before = redis.call('HGET', KEYS[1], 'st') or 'offline'
        redis.call('HSET', KEYS[1], 'st', ARGV[3], 'cap', ARGV[4], 'name', ARGV[6], 'depts', ARGV[7], 'seen', ARGV[2])
        redis.call('SADD', KEYS[4], ARGV[1])
        if ARGV[3] == 'offline' then
          redis.call('ZREM', KEYS[2], ARGV[1])
          redis.call('ZADD', KEYS[3], ARGV[8], ARGV[1])
        else
          redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
          redis.call('ZREM', KEYS[3], ARGV[1])
        end
        for i = 5, #KEYS do
          if ARGV[i + 4] == '1' then redis.call('SADD', KEYS[i], ARGV[1]) else redis.call('SREM', KEYS[i], ARGV[1]) end
        end
        return before
        """;

    /// <summary>
    /// Keep a signed-in agent alive. KEYS: agent, presence. ARGV: agent, now, deadline.
    /// Returns 1, or 0 when the agent is not signed in (they must say their presence again).
    /// </summary>
    public const string Heartbeat = """
        local st = redis.call('HGET', KEYS[1], 'st')
        if not st or st == 'offline' then return 0 end
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
        redis.call('HSET', KEYS[1], 'seen', ARGV[2])
        return 1
        """;

    /// <summary>
    /// An agent whose heartbeat ran out is marked gone; their chats are re-queued after the grace
    /// period unless they come back. KEYS: agent, presence, vanished. ARGV: agent, now, re-queue due.
    /// Returns 1 when marked, 0 when the agent is alive after all.
    /// </summary>
    public const string Vanish = """
        local alive = redis.call('ZSCORE', KEYS[2], ARGV[1])
        if alive and tonumber(alive) >= tonumber(ARGV[2]) then return 0 end
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('HSET', KEYS[1], 'st', 'offline', 'gone', ARGV[2])
        redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
        return 1
        """;
}
