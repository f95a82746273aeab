using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SupportBot.Handoff;
using StackExchange.Redis;

namespace SupportBot.Interests;

public sealed record InterestQuery(DateTimeOffset? From, DateTimeOffset? To, string? Source, string? Action, int Page, int PageSize);

public sealed record InterestPage(IReadOnlyList<InterestRecord> Items, int Page, int PageSize, bool HasMore);

/// <summary>
/// The interest log in Redis: one JSON value per record plus sorted-set indexes by time, source
/// and action (score = unix ms). Writes are idempotent by record id, so a turn that is re-run
/// after a crash does not add a second record.
/// </summary>
public sealed class InterestLog(IConnectionMultiplexer redis, IEnumerable<IInterestObserver> observers, ILogger<InterestLog> logger)
{
    private readonly IInterestObserver[] _observers = [.. observers];

    private const int ScanBatch = 200;

    /// <summary>A stable record id from what identifies the event, so re-runs overwrite instead of duplicating.</summary>
    public static string RecordId(string direction, string conversationId, string eventId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{direction}\n{conversationId}\n{eventId}"));
        return direction + "-" + Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }

    public async Task AppendAsync(InterestRecord record)
    {
        var db = redis.GetDatabase();
        var score = record.Date.ToUnixTimeMilliseconds();
        var json = JsonSerializer.Serialize(record, BotJson.Default.InterestRecord);
        // The value first, then the indexes: a crash in between leaves an unindexed value that the re-run indexes.
        // NX tells a first write from a re-run; a re-run still overwrites (the turn may have decided differently).
        var added = await db.StringSetAsync(RedisKeys.Interest(record.Id), json, when: When.NotExists)
            || !await db.StringSetAsync(RedisKeys.Interest(record.Id), json);
        var batch = db.CreateBatch();
        var writes = new[]
        {
            batch.SortedSetAddAsync(RedisKeys.InterestsByTime, record.Id, score),
            batch.SortedSetAddAsync(RedisKeys.InterestsBySource(record.SourceType), record.Id, score),
            batch.SortedSetAddAsync(RedisKeys.InterestsByAction(record.Action), record.Id, score),
        };
        batch.Execute();
        await Task.WhenAll(writes);
        if (added)
        {
            await NotifyAsync(o => o.RecordAddedAsync(record));
        }
    }

    private async Task NotifyAsync(Func<IInterestObserver, Task> call)
    {
        foreach (var observer in _observers)
        {
            try
            {
                await call(observer);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.InterestObserverFailed(logger, observer.GetType().Name, e);
            }
        }
    }

    public async Task<InterestRecord?> GetAsync(string id)
    {
        var json = await redis.GetDatabase().StringGetAsync(RedisKeys.Interest(id));
        return json.IsNull ? null : JsonSerializer.Deserialize((string)json!, BotJson.Default.InterestRecord);
    }

    /// <summary>Newest first. Uses the narrowest index and filters the rest in batches.</summary>
    public async Task<InterestPage> QueryAsync(InterestQuery query)
    {
        var db = redis.GetDatabase();
        var index = query.Source is not null ? RedisKeys.InterestsBySource(query.Source)
            : query.Action is not null ? RedisKeys.InterestsByAction(query.Action)
            : RedisKeys.InterestsByTime;
        var from = query.From?.ToUnixTimeMilliseconds() ?? double.NegativeInfinity;
        var to = query.To?.ToUnixTimeMilliseconds() ?? double.PositiveInfinity;
        var skip = (long)(query.Page - 1) * query.PageSize;
        var wanted = query.PageSize + 1; // one more tells whether a next page exists
        var items = new List<InterestRecord>(wanted);
        var matchedSoFar = 0L;
        var offset = 0L;
        var needsFilter = query.Source is not null && query.Action is not null;
        while (items.Count < wanted)
        {
            var take = needsFilter ? ScanBatch : wanted;
            var ids = await db.SortedSetRangeByScoreAsync(index, from, to, Exclude.None, Order.Descending, needsFilter ? offset : skip, take);
            if (ids.Length == 0)
            {
                break;
            }

            offset += ids.Length;
            var values = await db.StringGetAsync([.. ids.Select(id => RedisKeys.Interest(id!))]);
            foreach (var value in values)
            {
                if (value.IsNull)
                {
                    continue; // expired by retention while the index still had it
                }

                var record = JsonSerializer.Deserialize((string)value!, BotJson.Default.InterestRecord)!;
                if (needsFilter && !string.Equals(record.Action, query.Action, StringComparison.Ordinal))
                {
                    continue;
                }

                if (needsFilter && matchedSoFar++ < skip)
                {
                    continue;
                }

                items.Add(record);
                if (items.Count == wanted)
                {
                    break;
                }
            }

            if (!needsFilter || ids.Length < take)
            {
                break;
            }
        }

        var hasMore = items.Count > query.PageSize;
        return new InterestPage(hasMore ? items[..query.PageSize] : items, query.Page, query.PageSize, hasMore);
    }
}
