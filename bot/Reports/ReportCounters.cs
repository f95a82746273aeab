using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Handoff;
using SupportBot.Interests;

namespace SupportBot.Reports;

/// <summary>
/// Keeps per-day counters of inbound interest records as they arrive, so reports read a few hundred
/// small hashes instead of scanning millions of records. One hash per local day
/// (<see cref="RedisKeys.ReportDay"/>): <c>c:&lt;dimension&gt;:&lt;key&gt;</c> counts records,
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

    // One atomic round trip per record: the total and its groups never disagree. ARGV[1] = +1/-1, the rest = fields.
    private const string IncrementScript = """
        for i = 2, #ARGV do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[1]) end
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
        await _redis.GetDatabase().ScriptEvaluateAsync(IncrementScript, [RedisKeys.ReportDay(DayKey(DayOf(record.Date)))], [.. fields]);
    }
}
