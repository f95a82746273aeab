using StackExchange.Redis;

namespace SupportBot.Storage;

/// <summary>
/// "At most N in any window" across host instances: a sorted set per subject of the items counted, scored by time.
/// A retry of the same item counts once; an item over the cap is not counted, so it does not push the window on.
/// </summary>
internal static class SlidingWindowCap
{
    /// <summary>KEYS: the subject's set. ARGV: now ms, window start ms, item, cap, ttl ms. 1: counted; 0: over the cap.</summary>
    private const string CountScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
        redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[3])
        if redis.call('ZCARD', KEYS[1]) > tonumber(ARGV[4]) then
          redis.call('ZREM', KEYS[1], ARGV[3])
          return 0
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        return 1
        """;

    /// <summary>Counts <paramref name="item"/> for the subject at <paramref name="key"/> unless that would pass <paramref name="cap"/> within <paramref name="window"/>.</summary>
    public static async Task<bool> TryCountAsync(IDatabase db, RedisKey key, string item, int cap, TimeSpan window, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var windowMs = (long)window.TotalMilliseconds;
        return (long)await db.ScriptEvaluateAsync(CountScript, [key], [nowMs, nowMs - windowMs, item, cap, windowMs]) == 1;
    }
}
