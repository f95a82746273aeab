using SupportBot.Handoff;
using StackExchange.Redis;

namespace SupportBot.Interests;

/// <summary>Agents' tags on records: part of the work state, each with an index the feed filters by.</summary>
public sealed partial class InterestLog
{
    public const int MaxTagsPerRecord = 20;
    public const int MaxTagLength = 40;

    /// <summary>The stored form of a tag (trimmed, lower case), or null when it cannot be one.</summary>
    public static string? NormalizeTag(string? tag)
    {
        var normal = tag?.Trim().ToLowerInvariant();
        return normal is { Length: > 0 and <= MaxTagLength } && !normal.Any(char.IsControl) ? normal : null;
    }

    /// <summary>
    /// Adds and removes tags (already normalised, disjoint) in one step; refused when the record would carry more
    /// than <see cref="MaxTagsPerRecord"/>. Observers hear the change when something changed.
    /// </summary>
    public async Task<InterestChange> ChangeTagsAsync(string id, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove)
    {
        var db = redis.GetDatabase();
        for (var attempt = 0; attempt < MaxTries; attempt++)
        {
            var jsonTask = db.StringGetAsync(RedisKeys.Interest(id));
            var workTask = db.HashGetAllAsync(RedisKeys.InterestWork(id));
            var work = await workTask;
            if (Merge(await jsonTask, work) is not { } before)
            {
                return InterestChange.NotFound;
            }

            if (work.Length == 0)
            {
                await AppendAsync(before); // written before the feed kept work state: index it now
                continue;
            }

            var result = (long)await db.ScriptEvaluateAsync(
                InterestScripts.ChangeTags,
                [RedisKeys.InterestWork(id), .. add.Select(RedisKeys.InterestsByTag), .. remove.Select(RedisKeys.InterestsByTag)],
                [id, before.Date.ToUnixTimeMilliseconds(), add.Count, MaxTagsPerRecord, .. add.Select(t => (RedisValue)t), .. remove.Select(t => (RedisValue)t)]);
            switch (result)
            {
                case -2:
                    continue; // the work state went away meanwhile (removed past the retention): read again
                case -3:
                    return InterestChange.Conflict(before, $"A record carries at most {MaxTagsPerRecord} tags.");
                case 0:
                    return new InterestChange(InterestChangeStatus.Done, before);
            }

            var after = await GetAsync(id) ?? before;
            await NotifyAsync(o => o.RecordChangedAsync(before, after));
            return new InterestChange(InterestChangeStatus.Done, after);
        }

        throw new InvalidOperationException($"Interest record {id} kept changing; gave up after {MaxTries} tries.");
    }

    /// <summary>The tags in a work hash, sorted.</summary>
    internal static List<string> TagsOf(HashEntry[] work) =>
        [.. work.Select(f => (string)f.Name!).Where(n => n.StartsWith(WorkField.TagPrefix, StringComparison.Ordinal)).Select(n => n[WorkField.TagPrefix.Length..]).Order(StringComparer.Ordinal)];
}
