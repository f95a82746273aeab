using System.Globalization;
using StackExchange.Redis;
using SupportBot.Handoff;
using SupportBot.Interests;

namespace SupportBot.Reports;

/// <summary>
/// Counts how long customers waited for a person: when an inbound record is first processed by an agent (their reply
/// went out, or they marked it processed), the time from the record to that moment goes into a histogram of the
/// record's own day, ISO week and month (<see cref="RedisKeys.ReportFirstResponse"/>), for all records and per
/// department, agent, and department with agent. So the distribution covers every record of any period, read from a
/// dozen small hashes. Records the bot answered are not counted: that is not a person's response.
/// </summary>
public sealed class FirstResponseCounters(IConnectionMultiplexer redis, ReportCounters counters) : IInterestObserver
{
    /// <summary>Upper bounds of the histogram's buckets in seconds; the last bucket is everything longer.</summary>
    public static readonly long[] BucketBounds =
    [
        10, 20, 30, 45, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200,
        10_800, 14_400, 21_600, 28_800, 43_200, 86_400, 172_800, 345_600, 604_800,
    ];

    // KEYS = day, week, month; ARGV[1] = ms, then the fields: for each scope its bucket, count and sum.
    private const string AddScript = """
        for k = 1, #KEYS do
          for i = 2, #ARGV, 3 do
            redis.call('HINCRBY', KEYS[k], ARGV[i], 1)
            redis.call('HINCRBY', KEYS[k], ARGV[i + 1], 1)
            redis.call('HINCRBY', KEYS[k], ARGV[i + 2], ARGV[1])
          end
        end
        return 1
        """;

    public Task RecordAddedAsync(InterestRecord record) => Task.CompletedTask;

    public async Task RecordChangedAsync(InterestRecord before, InterestRecord after)
    {
        if (after.Direction != "in" || before.Processed || !after.Processed || after.ProcessedAt is not { } at
            || after.ProcessedBy is not { } by || !by.StartsWith("agent:", StringComparison.Ordinal))
        {
            return;
        }

        // Only the first time: a record reopened and processed again was already answered once (and not for a removed record).
        var db = redis.GetDatabase();
        if ((long)await db.ScriptEvaluateAsync(MarkScript, [RedisKeys.Interest(after.Id), RedisKeys.InterestWork(after.Id)], [InterestLog.WorkField.FirstResponseCounted]) != 1)
        {
            return;
        }

        await AddAsync(after.Date, at - after.Date, after.Department ?? after.Fields?.GetValueOrDefault("department"), by["agent:".Length..]);
    }

    // KEYS: 1 record, 2 its work state. ARGV: 1 the marker field. Marks the record's first response once, and only
    // while the record is there: a record the retention removed meanwhile must not get its work hash back (an orphan
    // that no sweep would ever find). Returns 1 the first time, 0 after that or when the record is gone.
    private const string MarkScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        return redis.call('HSETNX', KEYS[2], ARGV[1], '1')
        """;

    /// <summary>Counts one first response of a record dated <paramref name="recordDate"/> that took <paramref name="took"/>.</summary>
    public async Task AddAsync(DateTimeOffset recordDate, TimeSpan took, string? department, string agentId)
    {
        var ms = Math.Max(0, (long)took.TotalMilliseconds);
        var bucket = BucketOf(ms);
        var fields = new List<RedisValue> { ms };
        foreach (var scope in Scopes(department, agentId))
        {
            fields.Add(BucketField(scope, bucket));
            fields.Add(CountField(scope));
            fields.Add(SumField(scope));
        }

        await redis.GetDatabase().ScriptEvaluateAsync(AddScript, counters.PeriodKeys(recordDate, Key), [.. fields]);
    }

    public static RedisKey Key(ReportPeriod unit, DateOnly start) => RedisKeys.ReportFirstResponse(unit.ToString().ToLowerInvariant(), ReportCounters.DayKey(start));

    /// <summary>The scope a report filter names: all, a department, an agent, or both.</summary>
    public static string Scope(string? department, string? agentId) => (department, agentId) switch
    {
        (null, null) => "all",
        ({ } d, null) => "d:" + d,
        (null, { } a) => "a:" + a,
        ({ } d, { } a) => "da:" + d + "\n" + a,
    };

    private static IEnumerable<string> Scopes(string? department, string agentId)
    {
        yield return Scope(null, null);
        yield return Scope(null, agentId);
        if (!string.IsNullOrEmpty(department))
        {
            yield return Scope(department, null);
            yield return Scope(department, agentId);
        }
    }

    public static int BucketOf(long ms)
    {
        var index = Array.BinarySearch(BucketBounds, ms / 1000);
        return index >= 0 ? index + (ms % 1000 == 0 ? 0 : 1) : ~index; // a bound belongs to the bucket it ends
    }

    public static string BucketField(string scope, int bucket) => "n:" + scope + ":" + bucket.ToString(CultureInfo.InvariantCulture);

    public static string CountField(string scope) => "c:" + scope;

    public static string SumField(string scope) => "s:" + scope;
}
