using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Handoff;
using SupportBot.Interests;

namespace SupportBot.Reports;

/// <summary>
/// Keeps counters of inbound interest records as they arrive, so reports read a few dozen small hashes
/// instead of scanning millions of records. Each record adds to the hashes of its local day, of that day's
/// ISO week and of its month (<see cref="RedisKeys.ReportCounts"/>), so a year's summary reads 12 month
/// hashes, not 365 days. There is one hash per dimension and period: <c>c:&lt;key&gt;</c> counts records,
/// <c>p:&lt;key&gt;</c> those processed; the <see cref="Total"/> hash holds <c>c</c> and <c>p</c> of all of them.
/// A report by product reads the product hashes only, not every dimension's fields.
/// </summary>
public sealed class ReportCounters : IInterestObserver
{
    public const string Count = "c";
    public const string Processed = "p";

    /// <summary>The pseudo-dimension of the totals' hashes.</summary>
    public const string Total = "total";

    /// <summary>Dimensions a report can group by.</summary>
    public static readonly string[] Dimensions = ["source", "action", "product", "department", "agent", "intent", "sentiment"];

    private static readonly ReportPeriod[] Units = [ReportPeriod.Day, ReportPeriod.Week, ReportPeriod.Month];

    // Longer product names are cut: a hash field per free-text product must stay small.
    private const int MaxKeyLength = 100;

    // One atomic round trip per record (or change): the total, its groups and the roll-ups never disagree; a change
    // moves a record between groups in one step. KEYS = the n dimension hashes touched, for the day, then the week,
    // then the month (same order each time); ARGV[1] = how many of the pairs lose one (the rest gain one), ARGV[2] = n,
    // then pairs: the dimension's place among the n (1-based), the field.
    private const string AddScript = """
        local minus = tonumber(ARGV[1])
        local n = tonumber(ARGV[2])
        for base = 0, #KEYS - n, n do
          local pair = 0
          for i = 3, #ARGV, 2 do
            redis.call('HINCRBY', KEYS[base + tonumber(ARGV[i])], ARGV[i + 1], pair < minus and -1 or 1)
            pair = pair + 1
          end
        end
        return #KEYS
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

    /// <summary>The counters' hash of <paramref name="dimension"/> (or <see cref="Total"/>) in the period (day, week or month) that starts on <paramref name="start"/>.</summary>
    public static RedisKey Key(string dimension, ReportPeriod unit, DateOnly start) =>
        RedisKeys.ReportCounts(dimension, unit.ToString().ToLowerInvariant(), DayKey(start));

    /// <summary>Only what the customer sent counts (direction in): our replies are not demand.</summary>
    public Task RecordAddedAsync(InterestRecord record)
    {
        if (!IsInbound(record))
        {
            return Task.CompletedTask;
        }

        return WriteAsync(record.Date, [], Contributions(record));
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

        return WriteAsync(after.Date, minus, plus);
    }

    /// <summary>Every (dimension hash, field) the record counts in.</summary>
    private static List<(string Dimension, string Field)> Contributions(InterestRecord record)
    {
        var fields = Fields(record, Count);
        if (record.Processed)
        {
            fields.AddRange(Fields(record, Processed));
        }

        return fields;
    }

    /// <summary>
    /// The (dimension, field) pairs a record adds to, for counts (<see cref="Count"/>) or processed
    /// (<see cref="Processed"/>): <c>(total, c)</c>, <c>(source, c:telegram)</c>, ….
    /// </summary>
    public static List<(string Dimension, string Field)> Fields(InterestRecord record, string kind)
    {
        var fields = new List<(string, string)>(Dimensions.Length + 1) { (Total, kind) };
        foreach (var dimension in Dimensions)
        {
            if (KeyOf(record, dimension) is { } key)
            {
                fields.Add((dimension, kind + ":" + key));
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

    /// <summary>Takes one from each of <paramref name="minus"/> and adds one to each of <paramref name="plus"/>, in the day, week and month of <paramref name="date"/>.</summary>
    private Task WriteAsync(DateTimeOffset date, List<(string Dimension, string Field)> minus, List<(string Dimension, string Field)> plus)
    {
        var dimensions = new List<string>(Dimensions.Length + 1);
        var args = new List<RedisValue>(2 + (minus.Count + plus.Count) * 2) { minus.Count, 0 };
        foreach (var (dimension, field) in minus.Concat(plus))
        {
            var place = dimensions.IndexOf(dimension);
            if (place < 0)
            {
                dimensions.Add(dimension);
                place = dimensions.Count - 1;
            }

            args.Add(place + 1);
            args.Add(field);
        }

        args[1] = dimensions.Count;
        var day = DayOf(date);
        RedisKey[] keys = [.. Units.SelectMany(unit => dimensions.Select(d => Key(d, unit, ReportCounts.PeriodStart(day, unit))))];
        return _redis.GetDatabase().ScriptEvaluateAsync(AddScript, keys, [.. args]);
    }

    /// <summary>The day, week and month keys (by <paramref name="key"/>) of the local day of <paramref name="moment"/>.</summary>
    public RedisKey[] PeriodKeys(DateTimeOffset moment, Func<ReportPeriod, DateOnly, RedisKey> key)
    {
        var day = DayOf(moment);
        return [.. Units.Select(unit => key(unit, ReportCounts.PeriodStart(day, unit)))];
    }
}
