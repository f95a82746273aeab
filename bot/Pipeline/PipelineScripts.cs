namespace SupportBot.Pipeline;

/// <summary>
/// The Lua scripts of the pipeline. Each touches the keys of one conversation only (one hash
/// tag), so each is atomic on a single Redis, on Garnet, and on a Redis Cluster.
/// </summary>
internal static class PipelineScripts
{
    /// <summary>
    /// Accept an inbound activity once. KEYS: seen, inbox, seq. ARGV: activity json, dedupe ttl ms.
    /// Returns the arrival number, or 0 for a duplicate.
    /// </summary>
    public const string Accept = """
        if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return 0 end
        local seq = redis.call('INCR', KEYS[3])
        redis.call('RPUSH', KEYS[2], seq .. '|' .. ARGV[1])
        return seq
        """;

    /// <summary>
    /// Commit a processed activity: pop it, save state and owner, queue the replies, all or nothing.
    /// KEYS: lease, inbox, state, owner, outbox. ARGV: lease token, expected head, state json, owner ('' = unchanged), ttl ms, replies…
    /// Returns 1, or -1 when the lease was lost, -2 when the head changed.
    /// </summary>
    public const string CommitTurn = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
        if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[2] then return -2 end
        redis.call('LPOP', KEYS[2])
        redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[5])
        if ARGV[4] ~= '' then redis.call('SET', KEYS[4], ARGV[4], 'PX', ARGV[5]) end
        for i = 6, #ARGV do redis.call('RPUSH', KEYS[5], ARGV[i]) end
        return 1
        """;

    /// <summary>Remove the head of a list if it is still the expected item. KEYS: lease, list. ARGV: token, expected head.</summary>
    public const string PopHead = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
        if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[2] then return -2 end
        redis.call('LPOP', KEYS[2])
        return 1
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
}
