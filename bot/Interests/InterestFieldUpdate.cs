using System.Text.Json;
using SupportBot.Handoff;

namespace SupportBot.Interests;

public sealed partial class InterestLog
{
    /// <summary>Sets the record's JSON only if it is still the one read (KEYS: 1 record; ARGV: 1 as read, 2 new). 1 done, -1 changed meanwhile, 0 gone.</summary>
    private const string ReplaceIfUnchanged = """
        local current = redis.call('GET', KEYS[1])
        if not current then return 0 end
        if current ~= ARGV[1] then return -1 end
        redis.call('SET', KEYS[1], ARGV[2])
        return 1
        """;

    /// <summary>
    /// Rewrites a record's <see cref="InterestRecord.Fields"/> in place (the model's intent and sentiment
    /// arriving after the record was written): <paramref name="change"/> gets the record as it is and returns
    /// the new fields, or null to leave it. Compare-and-set on the stored JSON, so a re-run of the turn
    /// writing meanwhile is not overwritten with stale fields; observers (report counters) hear the change.
    /// </summary>
    /// <returns>The record after the change; null when it is gone or <paramref name="change"/> declined.</returns>
    public async Task<InterestRecord?> UpdateFieldsAsync(string id, Func<InterestRecord, IReadOnlyDictionary<string, string>?> change)
    {
        var db = redis.GetDatabase();
        for (var attempt = 0; attempt < MaxTries; attempt++)
        {
            var jsonTask = db.StringGetAsync(RedisKeys.Interest(id));
            var workTask = db.HashGetAllAsync(RedisKeys.InterestWork(id));
            var json = await jsonTask;
            if (Merge(json, await workTask) is not { } current)
            {
                return null;
            }

            if (change(current) is not { } fields)
            {
                return null;
            }

            // Intent and sentiment set through the fields are lifted onto the record, the one place readers look.
            var stored = (JsonSerializer.Deserialize((string)json!, BotJson.Default.InterestRecord)! with { Fields = fields }).WithEnrichmentLifted();
            var result = (long)await db.ScriptEvaluateAsync(
                ReplaceIfUnchanged, [RedisKeys.Interest(id)], [json, JsonSerializer.Serialize(stored, BotJson.Default.InterestRecord)]);
            if (result == 0)
            {
                return null;
            }

            if (result == 1)
            {
                var after = (current with { Fields = fields }).WithEnrichmentLifted();
                await NotifyAsync(o => o.RecordChangedAsync(current, after));
                return after;
            }
        }

        throw new InvalidOperationException($"Interest record {id} kept changing; gave up after {MaxTries} tries.");
    }

    /// <summary>Several records with their work state, in the given order; ones that are gone are left out.</summary>
    public Task<List<InterestRecord>> GetManyAsync(IReadOnlyList<string> ids) => LoadAsync(redis.GetDatabase(), [.. ids]);
}
