using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SupportBot.Pipeline;
using SupportBot.Storage;
using StackExchange.Redis;

namespace SupportBot.Export;

/// <summary>A claimed delivery: what to send, and the lease (the due score it was claimed with) that finishing it checks.</summary>
internal sealed record WebhookDelivery(string Id, string Webhook, string Type, string Body, int Attempts, long LeaseUntilMs);

/// <summary>
/// The durable delivery queue in Redis: a <see cref="LeasedQueue"/> (every event for every receiver a hash plus an entry
/// in one sorted set scored by when it is due; claimed with a lease, so no other instance takes it meanwhile, and one
/// that dies with it in hand leaves it to be claimed again when the lease runs out). Success deletes the delivery;
/// failure schedules the next round, or after the last one moves it to the failed list, where a person can send it
/// again. Counters per receiver change in the same scripts, so they agree with the lists.
/// </summary>
internal sealed class WebhookQueue(IConnectionMultiplexer redis, IOptions<ExportOptions> options, TimeProvider time)
{
    private readonly LeasedQueue _deliveries = new(redis, WebhookKeys.Due, WebhookKeys.DeliveryPrefix, time);

    /// <summary>Wakes this instance's deliverer when an event is queued here (other instances poll).</summary>
    public WakeSignal Wake => _deliveries.Wake;

    /// <summary>KEYS: delivery, due, stats. ARGV: id, webhook, type, record id, body, created ms.</summary>
    private const string EnqueueScript = """
        redis.call('HSET', KEYS[1], 'webhook', ARGV[2], 'type', ARGV[3], 'record', ARGV[4], 'body', ARGV[5], 'created', ARGV[6], 'attempts', 0, 'state', 'pending')
        redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
        redis.call('HINCRBY', KEYS[3], 'pending:' .. ARGV[2], 1)
        return 1
        """;

    /// <summary>KEYS: delivery, due, stats. ARGV: id, now ms. Delivered: gone from the queue (whoever held the lease: it arrived).</summary>
    private const string DeliveredScript = """
        if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
        local webhook = redis.call('HGET', KEYS[1], 'webhook') or ''
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('DEL', KEYS[1])
        redis.call('HINCRBY', KEYS[3], 'pending:' .. webhook, -1)
        redis.call('HINCRBY', KEYS[3], 'delivered:' .. webhook, 1)
        redis.call('HSET', KEYS[3], 'deliveredAt:' .. webhook, ARGV[2])
        return 1
        """;

    /// <summary>
    /// KEYS: delivery, due, failed, stats. ARGV: id, lease-until ms, now ms, retry-at ms, max attempts, error, give up now 1/0.
    /// Only while the lease is still ours. Returns 0 (lease lost), 1 (retry later) or 2 (failed for good).
    /// </summary>
    private const string FailedScript = """
        local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
        if not score or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
        local webhook = redis.call('HGET', KEYS[1], 'webhook') or ''
        local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
        redis.call('HSET', KEYS[1], 'error', ARGV[6], 'lastAt', ARGV[3])
        redis.call('HSET', KEYS[4], 'error:' .. webhook, ARGV[6], 'errorAt:' .. webhook, ARGV[3])
        if ARGV[7] ~= '1' and attempts < tonumber(ARGV[5]) then
          redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
          return 1
        end
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('HSET', KEYS[1], 'state', 'failed', 'failedAt', ARGV[3])
        redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
        redis.call('HINCRBY', KEYS[4], 'pending:' .. webhook, -1)
        redis.call('HINCRBY', KEYS[4], 'failed:' .. webhook, 1)
        return 2
        """;

    /// <summary>
    /// KEYS: failed, stats, then each dropped delivery's hash. ARGV: their ids, in the same order. Drops the oldest failed
    /// deliveries past <c>KeepFailed</c>; each only if it is still in the failed list (a retry by hand or another instance's
    /// trim may have taken it meanwhile), so its receiver's count goes down once. Every key is named in KEYS (a Cluster
    /// requires it; they share the {wh} slot).
    /// </summary>
    private const string DropFailedScript = """
        local dropped = 0
        for i = 1, #ARGV do
          if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 then
            local key = KEYS[i + 2]
            redis.call('HINCRBY', KEYS[2], 'failed:' .. (redis.call('HGET', key, 'webhook') or ''), -1)
            redis.call('DEL', key)
            dropped = dropped + 1
          end
        end
        return dropped
        """;

    /// <summary>KEYS: delivery, due, failed, stats. ARGV: id, now ms. A failed delivery goes back to the queue with a fresh count.</summary>
    private const string RetryScript = """
        if redis.call('ZREM', KEYS[3], ARGV[1]) == 0 then return 0 end
        local webhook = redis.call('HGET', KEYS[1], 'webhook') or ''
        redis.call('HSET', KEYS[1], 'state', 'pending', 'attempts', 0)
        redis.call('HDEL', KEYS[1], 'failedAt')
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
        redis.call('HINCRBY', KEYS[4], 'failed:' .. webhook, -1)
        redis.call('HINCRBY', KEYS[4], 'pending:' .. webhook, 1)
        return 1
        """;

    private IDatabase Db => redis.GetDatabase();

    public static bool IsValidId(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Queues one event body for one receiver, due now.</summary>
    public async Task EnqueueAsync(string id, string webhook, string type, string recordId, string body)
    {
        await Db.ScriptEvaluateAsync(
            EnqueueScript,
            [WebhookKeys.Delivery(id), WebhookKeys.Due, WebhookKeys.Stats],
            [id, webhook, type, recordId, body, time.GetUtcNow().ToUnixTimeMilliseconds()]);
        Wake.Pulse();
    }

    /// <summary>Claims up to <paramref name="max"/> due deliveries for this caller until the lease ends.</summary>
    public async Task<IReadOnlyList<WebhookDelivery>> ClaimAsync(int max) =>
        [.. (await _deliveries.ClaimAsync(max, options.Value.Delivery.Lease, "webhook", "type", "body"))
            .Select(d => new WebhookDelivery(d.Id, d.Fields[0]!, d.Fields[1]!, d.Fields[2]!, d.Attempts, d.LeaseUntilMs))];

    public async Task DeliveredAsync(WebhookDelivery delivery) =>
        await Db.ScriptEvaluateAsync(
            DeliveredScript, [WebhookKeys.Delivery(delivery.Id), WebhookKeys.Due, WebhookKeys.Stats], [delivery.Id, time.GetUtcNow().ToUnixTimeMilliseconds()]);

    /// <summary>A failed round: the next is due at <paramref name="retryAt"/>, unless that was the last (or <paramref name="giveUp"/>). True when it failed for good.</summary>
    public async Task<bool> FailedAsync(WebhookDelivery delivery, string error, DateTimeOffset retryAt, bool giveUp = false)
    {
        var settings = options.Value.Delivery;
        var result = (long)await Db.ScriptEvaluateAsync(
            FailedScript,
            [WebhookKeys.Delivery(delivery.Id), WebhookKeys.Due, WebhookKeys.Failed, WebhookKeys.Stats],
            [delivery.Id, delivery.LeaseUntilMs, time.GetUtcNow().ToUnixTimeMilliseconds(), retryAt.ToUnixTimeMilliseconds(), settings.MaxAttempts,
             error, giveUp ? "1" : "0"]);
        if (result != 2)
        {
            return false;
        }

        try
        {
            await DropFailedOverLimitAsync(settings.KeepFailed);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Housekeeping only: the failure is recorded; the next one trims the list again.
        }

        return true;
    }

    /// <summary>Keeps the failed list at <paramref name="keep"/>: the oldest beyond it go, with their hashes and counts.</summary>
    private async Task DropFailedOverLimitAsync(int keep)
    {
        long over;
        while ((over = await Db.SortedSetLengthAsync(WebhookKeys.Failed) - keep) > 0)
        {
            // At most 500 a script (a lowered KeepFailed may drop many at once); none dropped means others are trimming.
            var ids = await Db.SortedSetRangeByRankAsync(WebhookKeys.Failed, 0, Math.Min(over, 500) - 1);
            if ((long)await Db.ScriptEvaluateAsync(DropFailedScript, [WebhookKeys.Failed, WebhookKeys.Stats, .. ids.Select(id => WebhookKeys.Delivery((string)id!))], ids) == 0)
            {
                return;
            }
        }
    }

    public Task ReleaseAsync(WebhookDelivery delivery) => _deliveries.ReleaseAsync(delivery.Id, delivery.LeaseUntilMs);

    /// <summary>A failed delivery goes out again (its attempts start over). False when there is no such failed delivery.</summary>
    public async Task<bool> RetryAsync(string id)
    {
        var retried = (long)await Db.ScriptEvaluateAsync(
            RetryScript,
            [WebhookKeys.Delivery(id), WebhookKeys.Due, WebhookKeys.Failed, WebhookKeys.Stats],
            [id, time.GetUtcNow().ToUnixTimeMilliseconds()]) == 1;
        if (retried)
        {
            Wake.Pulse();
        }

        return retried;
    }

    /// <summary>Failed deliveries, the latest first.</summary>
    public async Task<(IReadOnlyList<WebhookFailure> Items, long Total)> FailuresAsync(int offset, int limit)
    {
        var totalTask = Db.SortedSetLengthAsync(WebhookKeys.Failed);
        var ids = await Db.SortedSetRangeByRankAsync(WebhookKeys.Failed, offset, offset + limit - 1, Order.Descending);
        var hashes = await Task.WhenAll(ids.Select(id => Db.HashGetAllAsync(WebhookKeys.Delivery((string)id!))));
        var items = new List<WebhookFailure>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            var f = hashes[i].ToDictionary(e => (string)e.Name!, e => (string?)e.Value);
            if (f.Count == 0)
            {
                continue;
            }

            items.Add(new WebhookFailure(
                (string)ids[i]!, f.GetValueOrDefault("webhook") ?? "", f.GetValueOrDefault("type") ?? "", f.GetValueOrDefault("record"),
                Time(f.GetValueOrDefault("created")) ?? DateTimeOffset.UnixEpoch, Time(f.GetValueOrDefault("failedAt")),
                int.TryParse(f.GetValueOrDefault("attempts"), CultureInfo.InvariantCulture, out var attempts) ? attempts : 0, f.GetValueOrDefault("error")));
        }

        return (items, await totalTask);
    }

    /// <summary>Deliveries waiting (due or in hand) and failed, in all; and the per-receiver counters.</summary>
    public async Task<(long Pending, long Failed, Dictionary<string, string?> Stats)> CountsAsync()
    {
        var pending = Db.SortedSetLengthAsync(WebhookKeys.Due);
        var failed = Db.SortedSetLengthAsync(WebhookKeys.Failed);
        var stats = await Db.HashGetAllAsync(WebhookKeys.Stats);
        return (await pending, await failed, stats.ToDictionary(e => (string)e.Name!, e => (string?)e.Value, StringComparer.Ordinal));
    }

    internal static DateTimeOffset? Time(string? unixMs) =>
        long.TryParse(unixMs, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
