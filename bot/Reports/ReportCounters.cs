using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Handoff;
using SupportBot.Interests;

namespace SupportBot.Reports;

/// <summary>
/// Keeps counters of inbound interest records as they arrive, so reports read a few dozen small hashes
/// instead of scanning millions of records. Each record adds to the hash of its local day, of that day's
/// ISO week and of its month (<see cref="RedisKeys.ReportCounters"/>), so a year's summary reads 12 month
/// hashes, not 365 days. In each hash <c>c:&lt;dimension&gt;:&lt;key&gt;</c> counts records,
/// <c>p:&lt;dimension&gt;:&lt;key&gt;</c> those processed; <c>c:total</c> / <c>p:total</c> all of them.
/// </summary>
public sealed class ReportCounters : IInterestObserver
{
    public const string Count = "c";
    public const string Processed = "p";

    /// <summary>Dimensions a report can group by.</summary>
    public static readonly string[] Dimensions = ["source", "action", "product", "department"];

    // Longer product names are cut: a hash field per free-text product must stay small.
    private const int MaxKeyLength = 100;

    // One atomic round trip per record: the total, its groups and the roll-ups never disagree.
    // KEYS = day, week, month; ARGV[1] = +1/-1, the rest = fields.
    private const string IncrementScript = """
        for k = 1, #KEYS do
          for i = 2, #ARGV do redis.call('HINCRBY', KEYS[k], ARGV[i], ARGV[1]) end
        end
        return #ARGV - 1
        """;

    private readonly IConnectionMultiplexer _redis;

    public ReportCounters(IConnectionMultiplexer redis, IOptions<ReportsOptions> options)
    {
        _redis = redis;
        Zone = options.Value.FindZone() ?? TimeZoneInfo.Utc;
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>The local day a moment belongs to, in the reports' zone.</summary>
    public DateOnly DayOf(DateTimeOffset moment) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(moment, Zone).DateTime);

    public static string DayKey(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The counters' hash of the period (day, week or month) that starts on <paramref name="start"/>.</summary>
    public static RedisKey Key(ReportPeriod unit, DateOnly start) => RedisKeys.ReportCounters(unit.ToString().ToLowerInvariant(), DayKey(start));

    /// <summary>Only what the customer sent counts (direction in): our replies are not demand.</summary>
    public Task RecordAddedAsync(InterestRecord record)
    {
        if (!IsInbound(record))
        {
            return Task.CompletedTask;
        }

        var fields = Fields(record, Count);
        if (record.Processed)
        {
            fields.AddRange(Fields(record, Processed));
        }

        return IncrementAsync(record, 1, fields);
    }

    /// <summary>Processed flipped: move the record's own day (not today), so past days' rates fill in as work is done.</summary>
    public Task RecordChangedAsync(InterestRecord before, InterestRecord after)
    {
        if (!IsInbound(after) || before.Processed == after.Processed)
        {
            return Task.CompletedTask;
        }

        return IncrementAsync(after, after.Processed ? 1 : -1, Fields(after, Processed));
    }

    /// <summary>The hash fields a record adds to, for counts (<see cref="Count"/>) or processed (<see cref="Processed"/>).</summary>
    public static List<RedisValue> Fields(InterestRecord record, string kind)
    {
        var fields = new List<RedisValue>(5) { kind + ":total" };
        foreach (var dimension in Dimensions)
        {
            if (KeyOf(record, dimension) is { } key)
            {
                fields.Add($"{kind}:{dimension}:{key}");
            }
        }

        return fields;
    }

    /// <summary>The record's key in a dimension; null when it has none (no product, no department).</summary>
    public static string? KeyOf(InterestRecord record, string dimension)
    {
        var raw = dimension switch
        {
            "source" => record.SourceType,
            "action" => record.Action,
            "product" => record.Product,
            // Records carry a department only where the handoff put one in their fields (offline requests).
            "department" => record.Fields?.GetValueOrDefault("department"),
            _ => null,
        };
        var key = raw?.Trim();
        return string.IsNullOrEmpty(key) ? null : key.Length > MaxKeyLength ? key[..MaxKeyLength] : key;
    }

    private static bool IsInbound(InterestRecord record) => string.Equals(record.Direction, "in", StringComparison.Ordinal);

    private async Task IncrementAsync(InterestRecord record, int by, List<RedisValue> fields)
    {
        fields.Insert(0, by);
        var day = DayOf(record.Date);
        RedisKey[] keys = [.. new[] { ReportPeriod.Day, ReportPeriod.Week, ReportPeriod.Month }.Select(unit => Key(unit, ReportCounts.PeriodStart(day, unit)))];
        await _redis.GetDatabase().ScriptEvaluateAsync(IncrementScript, keys, [.. fields]);
    }
}
