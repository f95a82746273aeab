namespace SupportBot.Pipeline;

/// <summary>
/// The Lua scripts of the pipeline. Each touches the keys of one conversation only (one hash
/// tag), so each is atomic on a single Redis, on Garnet, and on a Redis Cluster.
/// </summary>
internal static class PipelineScripts
{
    /// <summary>
    /// Accept an inbound activity once. KEYS: seen (sorted set of event ids by when they came), inbox, seq.
    /// ARGV: activity json, dedupe ttl ms, event id (as remembered), now ms, forget ids from this time and before (ms).
    /// Returns the arrival number, or 0 for a duplicate.
    /// </summary>
    public const string Accept = """
        if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 0 end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[5])
        redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        local seq = redis.call('INCR', KEYS[3])
        redis.call('RPUSH', KEYS[2], seq .. '|' .. ARGV[1])
        return seq
        """;

    /// <summary>
    /// Take a conversation and read what its first turn needs, in one round trip: the lease (if
    /// free), the heads of the outbox and the inbox, the owner, the saved state and the last agent.
    /// KEYS: lease, inbox, outbox, owner, state, last agent. ARGV: token, lease ms.
    /// Returns false when another worker holds the lease; else {outbox head, inbox head, owner, state, last agent}
    /// with '' for what is not there (none of them is ever stored empty).
    /// </summary>
    public const string Begin = """
        if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
        return {redis.call('LINDEX', KEYS[3], 0) or '', redis.call('LINDEX', KEYS[2], 0) or '',
                redis.call('GET', KEYS[4]) or '', redis.call('GET', KEYS[5]) or '', redis.call('GET', KEYS[6]) or ''}
        """;

    /// <summary>
    /// Commit a processed activity: pop it, save state and profile, add to the transcript (and the
    /// handoff events), queue the replies — all or nothing, and only if the owner is still the one
    /// the turn was decided for (an agent may have taken the chat meanwhile: then the turn runs again), and
    /// only if the state is still the one the turn started from (the worker carries it from turn to turn).
    /// KEYS: lease, inbox, state, owner, outbox, transcript, profile, events.
    /// ARGV: lease token, expected head, state json, expected owner, ttl ms, profile json, event json ('' = none),
    /// expected state ('' = none), transcript count n, n transcript entries, replies…
    /// Returns {1, outbox head, inbox head} (the next work, '' for none), or {-1} when the lease was lost,
    /// {-2} when the head changed, {-3} when the owner changed, {-4} when the state changed.
    /// </summary>
    public const string CommitTurn = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1} end
        if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[2] then return {-2} end
        if (redis.call('GET', KEYS[4]) or 'bot') ~= ARGV[4] then return {-3} end
        if (redis.call('GET', KEYS[3]) or '') ~= ARGV[8] then return {-4} end
        redis.call('LPOP', KEYS[2])
        redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[5])
        redis.call('SET', KEYS[7], ARGV[6], 'PX', ARGV[5])
        if ARGV[7] ~= '' then
          redis.call('RPUSH', KEYS[8], ARGV[7])
          redis.call('LTRIM', KEYS[8], -1000, -1)
          redis.call('PEXPIRE', KEYS[8], ARGV[5])
        end
        local n = tonumber(ARGV[9])
        for i = 10, 9 + n do redis.call('RPUSH', KEYS[6], ARGV[i]) end
        if n > 0 then
          redis.call('LTRIM', KEYS[6], -500, -1)
          redis.call('PEXPIRE', KEYS[6], ARGV[5])
        end
        for i = 10 + n, #ARGV do redis.call('RPUSH', KEYS[5], ARGV[i]) end
        return {1, redis.call('LINDEX', KEYS[5], 0) or '', redis.call('LINDEX', KEYS[2], 0) or ''}
        """;

    /// <summary>
    /// Remove the head of a list (the inbox or the outbox) if it is still the expected item, and say what is next.
    /// KEYS: lease, list, inbox, outbox. ARGV: token, expected head.
    /// Returns {1, outbox head, inbox head} ('' for none), {-1} when the lease was lost, {-2} when the head changed.
    /// </summary>
    public const string PopHead = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1} end
        if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[2] then return {-2} end
        redis.call('LPOP', KEYS[2])
        return {1, redis.call('LINDEX', KEYS[4], 0) or '', redis.call('LINDEX', KEYS[3], 0) or ''}
        """;

    /// <summary>Replace the head of a list if it is still the expected item. KEYS: lease, list. ARGV: token, expected head, new value.</summary>
    public const string ReplaceHead = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
        if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[2] then return -2 end
        redis.call('LSET', KEYS[2], 0, ARGV[3])
        return 1
        """;

    /// <summary>Extend a lease we still hold. KEYS: lease. ARGV: token, ms.</summary>
    public const string RenewLease = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return 1
        """;

    /// <summary>Give up a lease we still hold. KEYS: lease. ARGV: token.</summary>
    public const string ReleaseLease = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('DEL', KEYS[1])
        return 1
        """;

    /// <summary>
    /// Give up a lease we still hold and say how much work is left. KEYS: lease, inbox, outbox. ARGV: token.
    /// Returns the inbox and outbox lengths together.
    /// </summary>
    public const string Finish = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
        return redis.call('LLEN', KEYS[2]) + redis.call('LLEN', KEYS[3])
        """;
}
