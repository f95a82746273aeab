using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SupportBot.Handoff;
using StackExchange.Redis;

namespace SupportBot.Interests;

/// <summary>What one removal batch did.</summary>
/// <param name="Found">Records past the cut-off the batch looked at.</param>
public sealed record RemovalBatch(int Found, int Removed);

public sealed partial class InterestLog
{
    /// <summary>
    /// Removes up to <paramref name="batchSize"/> of the oldest records dated before <paramref name="cutOff"/>: the JSON,
    /// the work state and every index entry, each in one script (a record someone changes meanwhile is left for the next
    /// batch). Idempotent, so two instances sweeping at once do no harm. Observers hear which records went.
    /// </summary>
    public async Task<RemovalBatch> RemoveOlderThanAsync(DateTimeOffset cutOff, int batchSize)
    {
        var db = redis.GetDatabase();
        var ids = await db.SortedSetRangeByScoreAsync(
            RedisKeys.InterestsByTime, double.NegativeInfinity, cutOff.ToUnixTimeMilliseconds(), Exclude.Stop, Order.Ascending, 0, batchSize);
        if (ids.Length == 0)
        {
            return new RemovalBatch(0, 0);
        }

        return new RemovalBatch(ids.Length, await RemoveAsync([.. ids.Select(id => (string)id!)]));
    }

    /// <summary>
    /// Removes these records: the JSON, the work state and every index entry, each in one script (a record someone
    /// changes meanwhile is left; ask again). Observers hear which went. Returns how many were removed.
    /// </summary>
    public async Task<int> RemoveAsync(IReadOnlyList<string> ids)
    {
        if (ids.Count == 0)
        {
            return 0;
        }

        var db = redis.GetDatabase();
        var read = db.CreateBatch();
        var jsonTasks = ids.Select(id => read.StringGetAsync(RedisKeys.Interest(id))).ToArray();
        var workTasks = ids.Select(id => read.HashGetAllAsync(RedisKeys.InterestWork(id))).ToArray();
        read.Execute();

        var write = db.CreateBatch();
        var removals = new List<(InterestRecord? Record, Task<RedisResult> Done)>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            var work = await workTasks[i];
            var record = ReadableOrNull(id, await jsonTasks[i], work);
            var responsible = work.FirstOrDefault(f => f.Name == WorkField.Responsible).Value is { IsNull: false } resp ? (string)resp! : record?.Responsible ?? "";
            var tags = TagsOf(work);
            RedisKey[] keys = record is null
                ? [RedisKeys.Interest(id), RedisKeys.InterestWork(id), RedisKeys.InterestsByTime, RedisKeys.InterestsOpen] // only its id is left: what can be named
                :
                [
                    RedisKeys.Interest(id), RedisKeys.InterestWork(id), RedisKeys.InterestsByTime,
                    RedisKeys.InterestsBySource(record.SourceType), RedisKeys.InterestsByAction(record.Action),
                    RedisKeys.InterestsByDirection(record.Direction), RedisKeys.InterestsByProduct(record.Product is { Length: > 0 } p ? p.ToLowerInvariant() : ""),
                    RedisKeys.InterestsByResponsible(ResponsibleGroup(responsible)), RedisKeys.InterestsOpenOf(ResponsibleGroup(responsible)),
                    RedisKeys.InterestsOpen, RedisKeys.ConversationOpenInterests(record.ConversationId), RedisKeys.ConversationInterests(record.ConversationId),
                    .. InterestWords.Of(record.Text, record.Author.Name).Select(RedisKeys.InterestsByWord),
                    .. tags.Select(RedisKeys.InterestsByTag),
                ];
            removals.Add((record, write.ScriptEvaluateAsync(InterestScripts.Remove, keys, [id, responsible, tags.Count, .. tags.Select(t => (RedisValue)t)])));
        }

        write.Execute();
        var removed = new List<InterestRecord>(removals.Count);
        var count = 0;
        foreach (var (record, done) in removals)
        {
            if ((long)await done == 1)
            {
                count++;
                if (record is not null)
                {
                    removed.Add(record);
                }
            }
        }

        if (removed.Count > 0)
        {
            await NotifyAsync(o => o.RecordsRemovedAsync(removed));
        }

        return count;
    }

    /// <summary>The record, or null when its JSON cannot be read: then it goes by its id alone, rather than stopping the sweep for good.</summary>
    private InterestRecord? ReadableOrNull(string id, RedisValue json, HashEntry[] work)
    {
        try
        {
            return Merge(json, work);
        }
        catch (System.Text.Json.JsonException e)
        {
            Log.UnreadableInterestRemoved(logger, id, e.Message);
            return null;
        }
    }
}

/// <summary>
/// Removes records older than <c>Interests:RetentionDays</c> (0 keeps them forever) every
/// <c>Interests:RetentionCheckSeconds</c>, oldest first in batches of <see cref="BatchSize"/>. One instance sweeps at a
/// time (a lease in Redis); the removal itself is safe to repeat. Report counters are aggregates and stay.
/// </summary>
internal sealed class InterestRetention(
    InterestLog log,
    IConnectionMultiplexer redis,
    IOptions<InterestsOptions> options,
    TimeProvider time,
    ILogger<InterestRetention> logger) : BackgroundService
{
    public const int BatchSize = 500;

    private static readonly TimeSpan LeaseTime = TimeSpan.FromMinutes(2);

    // Let go of the lease only if it is still ours (it may have run out and gone to another instance).
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.RetentionDays == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.RetentionCheckSeconds), time);
        try
        {
            do
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    throw; // shutting down: ends the loop below
                }
                catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
                {
                    Log.RetentionSweepFailed(logger, e.Message); // Redis away or slow, or the connection closing (the monitor and /readyz report it): the next tick tries again
                }
                catch (Exception e)
                {
                    // A bug must not stop retention (nor, escaping ExecuteAsync, the host): logged with its stack, retried next tick.
                    Log.RetentionSweepError(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One sweep: removes every record past the retention, batch by batch; 0 when another instance holds the lease.</summary>
    internal async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        if (!await db.StringSetAsync(RedisKeys.InterestsRetentionLease, token, LeaseTime, When.NotExists))
        {
            return 0;
        }

        var total = 0;
        try
        {
            var cutOff = time.GetUtcNow() - TimeSpan.FromDays(options.Value.RetentionDays);
            RemovalBatch batch;
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                batch = await log.RemoveOlderThanAsync(cutOff, BatchSize);
                total += batch.Removed;
                await db.KeyExpireAsync(RedisKeys.InterestsRetentionLease, LeaseTime); // still sweeping
            }
            while (batch.Found == BatchSize && batch.Removed > 0);
        }
        finally
        {
            await db.ScriptEvaluateAsync(ReleaseScript, [RedisKeys.InterestsRetentionLease], [token]);
        }

        if (total > 0)
        {
            Log.RetentionSwept(logger, total, options.Value.RetentionDays);
        }

        return total;
    }
}
