using StackExchange.Redis;
using SupportBot.Pipeline;

namespace SupportBot.Storage;

/// <summary>A claimed item: its id, the hash fields asked for (in that order), its failed tries so far, and its lease (the due score it was claimed with).</summary>
internal sealed record LeasedItem(string Id, RedisValue[] Fields, int Attempts, long LeaseUntilMs);

/// <summary>
/// A durable work queue in Redis, without Streams (Garnet has none). Each item is a hash
/// (<c>itemPrefix</c> + id) with an <c>attempts</c> count, and an entry in one sorted set scored by when it is due (unix ms).
/// Claiming moves an entry's score to the end of a lease, so no other instance takes it meanwhile, and one that dies with
/// it in hand leaves it to be claimed again when the lease runs out. Rescheduling and releasing only take effect while the
/// lease is still the caller's. Keep the due key and the item prefix under one hash tag: the scripts touch both. A queue
/// that keeps more (counters, a failed list) adds its own scripts over the same keys.
/// </summary>
internal sealed class LeasedQueue(IConnectionMultiplexer redis, RedisKey due, string itemPrefix, TimeProvider time)
{
    public const string AttemptsField = "attempts";

    /// <summary>KEYS: item, due. ARGV: id, due ms, only-if-new 1/0, then field/value pairs. Returns 0 when only-if-new and the item exists.</summary>
    private const string EnqueueScript = """
        if ARGV[3] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], 'attempts', 0)
        for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
        return 1
        """;

    /// <summary>KEYS: due. ARGV: now ms, lease-until ms, max. Takes up to max due items by moving them to the lease's end.</summary>
    private const string ClaimScript = """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
        for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
        return ids
        """;

    /// <summary>KEYS: item, due. ARGV: id. Done or dropped: gone from the queue, whoever holds the lease.</summary>
    private const string RemoveScript = """
        redis.call('ZREM', KEYS[2], ARGV[1])
        return redis.call('DEL', KEYS[1])
        """;

    /// <summary>
    /// KEYS: item, due. ARGV: id, lease-until ms, retry-at ms, then field/value pairs. Only while the lease is still ours:
    /// one more failed try counted, the fields set, due again at retry-at. Returns the tries so far, or 0 when the lease was lost.
    /// </summary>
    private const string RetryLaterScript = """
        local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
        if not score or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
        local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
        for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
        return attempts
        """;

    /// <summary>KEYS: due. ARGV: id, lease-until ms, now ms. Hands an unfinished item back (shutdown) so it is due at once, not after the lease.</summary>
    private const string ReleaseScript = """
        local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if not score or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
        redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
        return 1
        """;

    private IDatabase Db => redis.GetDatabase();

    /// <summary>Wakes this instance's worker when an item is queued here (other instances poll).</summary>
    public WakeSignal Wake { get; } = new();

    public RedisKey Item(string id) => itemPrefix + id;

    /// <summary>Queues an item (field/value pairs), due now. With <paramref name="onlyIfNew"/> an item still queued under that id is kept as it is; false then.</summary>
    public async Task<bool> EnqueueAsync(string id, RedisValue[] fields, bool onlyIfNew = false)
    {
        var queued = (long)await Db.ScriptEvaluateAsync(
            EnqueueScript, [Item(id), due], [id, time.GetUtcNow().ToUnixTimeMilliseconds(), onlyIfNew ? "1" : "0", .. fields]) == 1;
        if (queued)
        {
            Wake.Pulse();
        }

        return queued;
    }

    /// <summary>Claims up to <paramref name="max"/> due items for this caller until <paramref name="lease"/> from now, with the named hash fields.</summary>
    public async Task<IReadOnlyList<LeasedItem>> ClaimAsync(int max, TimeSpan lease, params RedisValue[] fields)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var leaseUntil = now + (long)lease.TotalMilliseconds;
        var ids = (RedisResult[]?)await Db.ScriptEvaluateAsync(ClaimScript, [due], [now, leaseUntil, max]) ?? [];
        var claimed = new List<LeasedItem>(ids.Length);
        foreach (var id in ids.Select(r => (string)r!))
        {
            var values = await Db.HashGetAsync(Item(id), [AttemptsField, .. fields]);
            if (values[0].IsNull)
            {
                await Db.SortedSetRemoveAsync(due, id); // its hash is gone (a manual clean-up): nothing to do
                continue;
            }

            claimed.Add(new LeasedItem(id, values[1..], (int)(long)values[0], leaseUntil));
        }

        return claimed;
    }

    /// <summary>Done (or given up): the item leaves the queue.</summary>
    public async Task RemoveAsync(string id) => await Db.ScriptEvaluateAsync(RemoveScript, [Item(id), due], [id]);

    /// <summary>A failed try: counted, <paramref name="fields"/> set, due again at <paramref name="retryAt"/>. Returns the tries so far, or 0 when the lease was lost meanwhile.</summary>
    public async Task<int> RetryLaterAsync(string id, long leaseUntilMs, DateTimeOffset retryAt, params RedisValue[] fields) =>
        (int)(long)await Db.ScriptEvaluateAsync(RetryLaterScript, [Item(id), due], [id, leaseUntilMs, retryAt.ToUnixTimeMilliseconds(), .. fields]);

    /// <summary>Hands a claimed item back unfinished (shutting down): due again at once, for another instance now or this one after a restart.</summary>
    public async Task ReleaseAsync(string id, long leaseUntilMs) =>
        await Db.ScriptEvaluateAsync(ReleaseScript, [due], [id, leaseUntilMs, time.GetUtcNow().ToUnixTimeMilliseconds()]);
}
