using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Dialogs.Llm;
using SupportBot.Interests;

namespace SupportBot.Enrichment;

/// <summary>
/// Puts every new inbound record with a customer's words in the model enrichment's queue (when the model
/// enriches), and hands out batches of it to workers on any host: each id goes to one claim at a time, under
/// a lease, so two hosts never classify the same record; a claim not finished by its lease's end (a host
/// that died mid-batch) is handed out again. Everything lives in Redis, so a restart loses no record.
/// </summary>
internal sealed class EnrichmentQueue(IConnectionMultiplexer redis, IOptions<LlmOptions> options, TimeProvider time) : IInterestObserver
{
    // KEYS: 1 pending, 2 claimed, 3 claims. ARGV: 1 now ms, 2 how many, 3 lease end ms, 4 token.
    // Expired claims go back first (due now), then the oldest due ids are claimed.
    private const string ClaimScript = """
        local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 1000)
        for _, id in ipairs(expired) do
          redis.call('ZREM', KEYS[2], id)
          redis.call('HDEL', KEYS[3], id)
          redis.call('ZADD', KEYS[1], ARGV[1], id)
        end
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
        for _, id in ipairs(ids) do
          redis.call('ZREM', KEYS[1], id)
          redis.call('ZADD', KEYS[2], ARGV[3], id)
          redis.call('HSET', KEYS[3], id, ARGV[4])
        end
        return ids
        """;

    // KEYS: 1 claimed, 2 claims. ARGV: 1 new lease end ms, 2 token, 3… ids. Renews the ids still held by the token; returns them.
    private const string HoldScript = """
        local held = {}
        for i = 3, #ARGV do
          if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[2] then
            redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
            held[#held + 1] = ARGV[i]
          end
        end
        return held
        """;

    // KEYS: 1 claimed, 2 claims, 3 pending. ARGV: 1 due ms ('' = done, not back), 2 token, 3… ids.
    // Ends the token's claims; with a due time the ids wait in pending again.
    private const string EndScript = """
        local n = 0
        for i = 3, #ARGV do
          if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[2] then
            redis.call('ZREM', KEYS[1], ARGV[i])
            redis.call('HDEL', KEYS[2], ARGV[i])
            if ARGV[1] ~= '' then redis.call('ZADD', KEYS[3], ARGV[1], ARGV[i]) end
            n = n + 1
          end
        end
        return n
        """;

    /// <summary>The customer's own words: inbound, with text; not a like, join or leave (their text is ours), not a request the bot summed up.</summary>
    public static bool Eligible(InterestRecord record) =>
        record.Direction == "in" && record.Action is not ("request" or "like" or "join" or "leave") && !string.IsNullOrWhiteSpace(record.Text);

    public async Task RecordAddedAsync(InterestRecord record)
    {
        if (options.Value.EnrichmentEnabled && Eligible(record))
        {
            await redis.GetDatabase().SortedSetAddAsync(EnrichmentKeys.Pending, record.Id, time.GetUtcNow().ToUnixTimeMilliseconds(), SortedSetWhen.NotExists);
        }
    }

    public Task RecordChangedAsync(InterestRecord before, InterestRecord after) => Task.CompletedTask;

    /// <summary>Up to <paramref name="count"/> due record ids, now held by <paramref name="token"/> until <paramref name="lease"/> runs out.</summary>
    public async Task<IReadOnlyList<string>> ClaimAsync(int count, TimeSpan lease, string token)
    {
        var now = time.GetUtcNow();
        var result = await redis.GetDatabase().ScriptEvaluateAsync(
            ClaimScript, [EnrichmentKeys.Pending, EnrichmentKeys.Claimed, EnrichmentKeys.Claims],
            [now.ToUnixTimeMilliseconds(), count, (now + lease).ToUnixTimeMilliseconds(), token]);
        return [.. ((RedisResult[])result!).Select(r => (string)r!)];
    }

    /// <summary>The ids still held by the token (their lease renewed): only these may be written.</summary>
    public async Task<IReadOnlyList<string>> HoldAsync(IReadOnlyList<string> ids, TimeSpan lease, string token)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(
            HoldScript, [EnrichmentKeys.Claimed, EnrichmentKeys.Claims],
            [(time.GetUtcNow() + lease).ToUnixTimeMilliseconds(), token, .. ids.Select(id => (RedisValue)id)]);
        return [.. ((RedisResult[])result!).Select(r => (string)r!)];
    }

    /// <summary>Done with these (classified, or left with the lexicon's values for good).</summary>
    public Task DoneAsync(IReadOnlyList<string> ids, string token) => EndAsync(ids, token, "");

    /// <summary>Not decided (the model unavailable, the host stopping): back in the queue, due after <paramref name="delay"/>.</summary>
    public Task ReleaseAsync(IReadOnlyList<string> ids, string token, TimeSpan delay) =>
        EndAsync(ids, token, (time.GetUtcNow() + delay).ToUnixTimeMilliseconds());

    private async Task EndAsync(IReadOnlyList<string> ids, string token, RedisValue due)
    {
        if (ids.Count > 0)
        {
            await redis.GetDatabase().ScriptEvaluateAsync(
                EndScript, [EnrichmentKeys.Claimed, EnrichmentKeys.Claims, EnrichmentKeys.Pending], [due, token, .. ids.Select(id => (RedisValue)id)]);
        }
    }

    /// <summary>
    /// Moves what an older version left under the untagged names into the queue: waiting ids keep their due time, ids
    /// that were being classified are due now (their claims' tokens are of the old version). Plain commands, each on
    /// one key, so it runs anywhere; ZADD NX makes a second run (or a second host) harmless.
    /// </summary>
    public async Task AdoptLegacyKeysAsync()
    {
        var db = redis.GetDatabase();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var waiting = await db.SortedSetRangeByRankWithScoresAsync(EnrichmentKeys.LegacyPending);
        var claimed = await db.SortedSetRangeByRankAsync(EnrichmentKeys.LegacyClaimed);
        SortedSetEntry[] entries = [.. waiting, .. claimed.Select(id => new SortedSetEntry(id, now))];
        if (entries.Length > 0)
        {
            await db.SortedSetAddAsync(EnrichmentKeys.Pending, entries, SortedSetWhen.NotExists);
        }

        await db.KeyDeleteAsync([EnrichmentKeys.LegacyPending]);
        await db.KeyDeleteAsync([EnrichmentKeys.LegacyClaimed]);
        await db.KeyDeleteAsync([EnrichmentKeys.LegacyClaims]);
    }

    /// <summary>How many records wait for the model and how many are being classified (for tests and health).</summary>
    public async Task<(long Pending, long Claimed)> CountAsync()
    {
        var db = redis.GetDatabase();
        var pending = db.SortedSetLengthAsync(EnrichmentKeys.Pending);
        var claimed = db.SortedSetLengthAsync(EnrichmentKeys.Claimed);
        return (await pending, await claimed);
    }
}
