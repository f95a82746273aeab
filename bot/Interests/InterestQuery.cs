using System.Runtime.CompilerServices;
using SupportBot.Handoff;
using StackExchange.Redis;

namespace SupportBot.Interests;

/// <summary>What the feed shows. Every filter left null lets everything through.</summary>
public sealed record InterestFilter
{
    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public string? Source { get; init; }

    public string? Action { get; init; }

    /// <summary>Compared case-insensitively.</summary>
    public string? Product { get; init; }

    /// <summary><c>agent:&lt;id&gt;</c> or <see cref="InterestLog.Unassigned"/>.</summary>
    public string? Responsible { get; init; }

    public bool? Processed { get; init; }

    /// <summary>Words that must all be in the text or the author's name.</summary>
    public string? Text { get; init; }

    /// <summary>Tags (normalised, see <see cref="InterestLog.NormalizeTag"/>) the record must all carry.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>in (the default: what customers did), out (our replies), or null for both.</summary>
    public string? Direction { get; init; } = "in";
}

public sealed record InterestQuery(InterestFilter Filter, int Page, int PageSize);

public sealed record InterestPage(IReadOnlyList<InterestRecord> Items, int Page, int PageSize, bool HasMore);

public sealed partial class InterestLog
{
    private const int FirstBatch = 256;
    private const int LargestBatch = 2048;


    /// <summary>Newest first, one page.</summary>
    public async Task<InterestPage> QueryAsync(InterestQuery query, CancellationToken cancellationToken = default)
    {
        var items = new List<InterestRecord>(query.PageSize + 1);
        var skip = (long)(query.Page - 1) * query.PageSize;
        await foreach (var record in ScanAsync(query.Filter, skip, query.PageSize + 1, cancellationToken)) // one more tells whether a next page exists
        {
            items.Add(record);
        }

        var hasMore = items.Count > query.PageSize;
        return new InterestPage(hasMore ? items[..query.PageSize] : items, query.Page, query.PageSize, hasMore);
    }

    /// <summary>
    /// The records the filter lets through, newest first, after skipping <paramref name="skip"/> of them.
    /// Walks the smallest index that applies (counted within the date range) and checks the other
    /// filters against each record's small work hash, a batch per round trip; only the records
    /// returned are read in full.
    /// </summary>
    public async IAsyncEnumerable<InterestRecord> ScanAsync(InterestFilter filter, long skip, int take, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var db = redis.GetDatabase();
        var words = filter.Text is null ? [] : InterestWords.Of(filter.Text);
        if (filter.Processed == false && filter.Direction == "out")
        {
            yield break; // our replies are processed from the start
        }

        var indexes = new List<RedisKey>();
        if (filter.Source is not null)
        {
            indexes.Add(RedisKeys.InterestsBySource(filter.Source));
        }

        if (filter.Action is not null)
        {
            indexes.Add(RedisKeys.InterestsByAction(filter.Action));
        }

        if (filter.Product is not null)
        {
            indexes.Add(RedisKeys.InterestsByProduct(filter.Product.ToLowerInvariant()));
        }

        if (filter.Responsible is not null)
        {
            indexes.Add(RedisKeys.InterestsByResponsible(filter.Responsible));
        }

        if (filter.Processed == false)
        {
            indexes.Add(RedisKeys.InterestsOpen); // inbound only, so it stands for the direction too
        }
        else if (filter.Direction is not null)
        {
            indexes.Add(RedisKeys.InterestsByDirection(filter.Direction));
        }

        var tagIndexes = (filter.Tags ?? []).Select(RedisKeys.InterestsByTag).ToArray();
        indexes.AddRange(words.Select(RedisKeys.InterestsByWord));
        indexes.AddRange(tagIndexes);
        if (indexes.Count == 0)
        {
            indexes.Add(RedisKeys.InterestsByTime);
        }

        var from = filter.From?.ToUnixTimeMilliseconds() ?? double.NegativeInfinity;
        var to = filter.To?.ToUnixTimeMilliseconds() ?? double.PositiveInfinity;
        var ranged = filter.From is not null || filter.To is not null;
        var counts = await Task.WhenAll(indexes.Select(k => ranged ? db.SortedSetLengthAsync(k, from, to) : db.SortedSetLengthAsync(k)));
        if (counts.Any(c => c == 0))
        {
            yield break;
        }

        var driver = indexes[Array.IndexOf(counts, counts.Min())];
        // Word and tag indexes have no field in the work hash: membership is checked in them directly.
        var otherWords = words.Select(RedisKeys.InterestsByWord).Concat(tagIndexes).Where(k => k != driver).ToArray();
        var checks = indexes.Count > 1 || filter.Processed == true;
        var fieldsToCheck = FieldsToCheck(filter);
        var yielded = 0;
        var offset = checks ? 0 : skip; // one index and nothing else to check: Redis skips for us
        var matched = 0L;
        // A small driving index is read whole in one round trip; a large one in growing batches.
        var driverCount = counts.Min();
        var batchSize = !checks ? Math.Min(take, LargestBatch) : driverCount <= LargestBatch ? (int)driverCount : FirstBatch;
        while (yielded < take)
        {
            // Without a date range, by rank: the same on Redis, and Garnet skips to an offset faster by rank than by score.
            var ids = ranged
                ? await db.SortedSetRangeByScoreAsync(driver, from, to, Exclude.None, Order.Descending, offset, batchSize)
                : await db.SortedSetRangeByRankAsync(driver, offset, offset + batchSize - 1, Order.Descending);
            if (ids.Length == 0)
            {
                yield break;
            }

            offset += ids.Length;
            var wanted = new List<string>();
            if (checks)
            {
                var batch = db.CreateBatch();
                var fieldTasks = ids.Select(id => batch.HashGetAsync(RedisKeys.InterestWork((string)id!), fieldsToCheck)).ToArray();
                var wordTasks = otherWords.Select(w => ids.Select(id => batch.SortedSetScoreAsync(w, id)).ToArray()).ToArray();
                batch.Execute();
                var fields = await Task.WhenAll(fieldTasks);
                for (var i = 0; i < ids.Length && yielded + wanted.Count < take; i++)
                {
                    var allWords = true;
                    foreach (var tasks in wordTasks)
                    {
                        allWords &= (await tasks[i]).HasValue;
                    }

                    if (!allWords || !await MatchesAsync((string)ids[i]!, fieldsToCheck, fields[i], filter))
                    {
                        continue;
                    }

                    if (matched++ < skip)
                    {
                        continue;
                    }

                    wanted.Add((string)ids[i]!);
                }
            }
            else
            {
                wanted.AddRange(ids.Take(take - yielded).Select(id => (string)id!));
            }

            foreach (var record in await LoadAsync(db, wanted))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yielded++;
                yield return record;
            }

            if (ids.Length < batchSize)
            {
                yield break;
            }

            batchSize = Math.Min(batchSize * 2, LargestBatch);
        }
    }

    /// <summary>The work fields the filter needs; "done" always, since it also tells whether there is work state at all.</summary>
    private static RedisValue[] FieldsToCheck(InterestFilter filter)
    {
        var fields = new List<RedisValue> { WorkField.Done };
        if (filter.Source is not null)
        {
            fields.Add(WorkField.Source);
        }

        if (filter.Action is not null)
        {
            fields.Add(WorkField.Action);
        }

        if (filter.Direction is not null)
        {
            fields.Add(WorkField.Direction);
        }

        if (filter.Product is not null)
        {
            fields.Add(WorkField.Product);
        }

        if (filter.Responsible is not null)
        {
            fields.Add(WorkField.Responsible);
        }

        return [.. fields];
    }

    private async Task<bool> MatchesAsync(string id, RedisValue[] names, RedisValue[] values, InterestFilter filter)
    {
        string? Field(string name) => (string?)values[Array.IndexOf(names, (RedisValue)name)];

        if (values[0].IsNull)
        {
            // Written before the feed kept work state: judge by the record itself.
            return await GetAsync(id) is { } record
                && (filter.Source is null || filter.Source == record.SourceType)
                && (filter.Action is null || filter.Action == record.Action)
                && (filter.Direction is null || filter.Direction == record.Direction)
                && (filter.Product is null || string.Equals(filter.Product, record.Product, StringComparison.OrdinalIgnoreCase))
                && (filter.Responsible is null || filter.Responsible == ResponsibleGroup(record.Responsible))
                && (filter.Processed is null || filter.Processed == record.Processed);
        }

        return (filter.Source is null || filter.Source == Field(WorkField.Source))
            && (filter.Action is null || filter.Action == Field(WorkField.Action))
            && (filter.Direction is null || filter.Direction == Field(WorkField.Direction))
            && (filter.Product is null || filter.Product.ToLowerInvariant() == Field(WorkField.Product))
            && (filter.Responsible is null || filter.Responsible == ResponsibleGroup(Field(WorkField.Responsible)))
            && (filter.Processed is null || filter.Processed == (Field(WorkField.Done) == "1"));
    }

    /// <summary>Records and their work state in one round trip, in the given order; ones that are gone are left out.</summary>
    internal Task<List<InterestRecord>> GetBatchAsync(IEnumerable<string> ids) => LoadAsync(redis.GetDatabase(), [.. ids]);

    /// <summary>
    /// Records with only what a list of open work needs laid over them from the work state: <see cref="InterestRecord.Processed"/>
    /// and <see cref="InterestRecord.Responsible"/> (as <see cref="Merge"/> does); no tags or processing details. In the
    /// given order, ones gone left out. Two small reads per record and the JSON parsed from its bytes: the unanswered
    /// report shows up to 500.
    /// </summary>
    internal async Task<List<InterestRecord>> GetListedAsync(IReadOnlyList<string> ids)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        RedisValue[] workFields = [WorkField.Done, WorkField.Responsible];
        var batch = redis.GetDatabase().CreateBatch();
        var jsonTasks = ids.Select(id => batch.StringGetAsync(RedisKeys.Interest(id))).ToArray();
        var workTasks = ids.Select(id => batch.HashGetAsync(RedisKeys.InterestWork(id), workFields)).ToArray();
        batch.Execute();
        var records = new List<InterestRecord>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            var json = await jsonTasks[i];
            var work = await workTasks[i];
            if (json.IsNull)
            {
                continue;
            }

            var record = System.Text.Json.JsonSerializer.Deserialize(((ReadOnlyMemory<byte>)json).Span, BotJson.Default.InterestRecord)!;
            records.Add(work[0].IsNull ? record : record with
            {
                Processed = work[0] == "1",
                Responsible = work[1] is { IsNullOrEmpty: false } responsible ? (string)responsible! : null,
            });
        }

        return records;
    }

    /// <summary>Records and their work state, in the given order; ones gone meanwhile are left out.</summary>
    private static async Task<List<InterestRecord>> LoadAsync(IDatabase db, List<string> ids)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var batch = db.CreateBatch();
        var jsonTasks = ids.Select(id => batch.StringGetAsync(RedisKeys.Interest(id))).ToArray();
        var workTasks = ids.Select(id => batch.HashGetAllAsync(RedisKeys.InterestWork(id))).ToArray();
        batch.Execute();
        var records = new List<InterestRecord>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            if (Merge(await jsonTasks[i], await workTasks[i]) is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }
}
