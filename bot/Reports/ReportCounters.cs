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
    public static readonly string[] Dimensions = ["source", "action", "product", "department", "agent", "intent", "sentiment"];

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

    // A change moves a record between groups in one step. KEYS = day, week, month; ARGV[1] = how many fields lose
    // one, then those fields, then the fields that gain one.
    private const string MoveScript = """
        local minus = tonumber(ARGV[1])
        for k = 1, #KEYS do
          for i = 2, #ARGV do redis.call('HINCRBY', KEYS[k], ARGV[i], i <= minus + 1 and -1 or 1) end
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

        return IncrementAsync(record, 1, Contributions(record));
    }

    /// <summary>
    /// Processed flipped, the responsible changed (taken, assigned, distributed), or the model's intent and sentiment
    /// replaced the on-machine ones: the record's own day (not today) moves between groups, so past days' rates,
    /// agents' counts and the enrichment's groups follow the work.
    /// </summary>
    public Task RecordChangedAsync(InterestRecord before, InterestRecord after)
    {
        if (!IsInbound(after))
        {
            return Task.CompletedTask;
        }

        var was = Contributions(before);
        var now = Contributions(after);
        var minus = was.Except(now).ToList();
        var plus = now.Except(was).ToList();
        if (minus.Count == 0 && plus.Count == 0)
        {
            return Task.CompletedTask;
        }

        return _redis.GetDatabase().ScriptEvaluateAsync(MoveScript, PeriodKeys(after), [minus.Count, .. minus, .. plus]);
    }

    /// <summary>Every hash field the record counts in.</summary>
    private static List<RedisValue> Contributions(InterestRecord record)
    {
        var fields = Fields(record, Count);
        if (record.Processed)
        {
            fields.AddRange(Fields(record, Processed));
        }

        return fields;
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
            // Fixed when the record was written (the handoff's department or the routing rule's); older records only
            // carried one where the handoff put it in their fields (offline requests).
            "department" => record.Department ?? record.Fields?.GetValueOrDefault("department"),
            // agent:<id> or unassigned, as the feed's responsible filter.
            "agent" => InterestLog.ResponsibleGroup(record.Responsible),
            // The FAQ id, dialog:<id>, human, unknown (recognizer) or other (model); positive / neutral / negative. Only with
            // their source noted: records written before these were counted have none, and so are never moved in groups they were not in.
            "intent" => record.Fields?.ContainsKey("intent_source") == true ? record.Intent : null,
            "sentiment" => record.Fields?.ContainsKey("sentiment_source") == true ? record.Sentiment : null,
            _ => null,
        };
        var key = raw?.Trim();
        return string.IsNullOrEmpty(key) ? null : key.Length > MaxKeyLength ? key[..MaxKeyLength] : key;
    }

    private static bool IsInbound(InterestRecord record) => string.Equals(record.Direction, "in", StringComparison.Ordinal);

    private async Task IncrementAsync(InterestRecord record, int by, List<RedisValue> fields)
    {
        fields.Insert(0, by);
        await _redis.GetDatabase().ScriptEvaluateAsync(IncrementScript, PeriodKeys(record), [.. fields]);
    }

    /// <summary>The day, week and month hashes the record's date falls in.</summary>
    private RedisKey[] PeriodKeys(InterestRecord record) => PeriodKeys(record.Date, Key);

    /// <summary>The day, week and month keys (by <paramref name="key"/>) of the local day of <paramref name="moment"/>.</summary>
    public RedisKey[] PeriodKeys(DateTimeOffset moment, Func<ReportPeriod, DateOnly, RedisKey> key)
    {
        var day = DayOf(moment);
        return [.. new[] { ReportPeriod.Day, ReportPeriod.Week, ReportPeriod.Month }.Select(unit => key(unit, ReportCounts.PeriodStart(day, unit)))];
    }
}
