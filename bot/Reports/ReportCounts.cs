using StackExchange.Redis;
using SupportBot.Handoff;

namespace SupportBot.Reports;

/// <summary>
/// Count reports (summary, timeline) over the per-day hashes of <see cref="ReportCounters"/>: one pipelined
/// HGETALL per day of the range (at most ~1,100 for three years), never a scan of records.
/// </summary>
public sealed class ReportCounts(IConnectionMultiplexer redis, ReportCounters counters, TimeProvider time)
{
    public TimeZoneInfo Zone => counters.Zone;

    /// <summary>Today in the reports' zone.</summary>
    public DateOnly Today => counters.DayOf(time.GetUtcNow());

    public async Task<ReportSummary> SummaryAsync(ReportRange range, string groupBy)
    {
        var days = await ReadDaysAsync(range);
        var counts = new Dictionary<string, (long Count, long Processed)>(StringComparer.Ordinal);
        long total = 0, processed = 0;
        foreach (var day in days)
        {
            total += day.GetValueOrDefault("c:total");
            processed += day.GetValueOrDefault("p:total");
            foreach (var (key, count, done) in Groups(day, groupBy))
            {
                var sum = counts.GetValueOrDefault(key);
                counts[key] = (sum.Count + count, sum.Processed + done);
            }
        }

        var groups = counts.OrderByDescending(g => g.Value.Count).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ReportGroup(g.Key, g.Value.Count, g.Value.Processed, Rate(g.Value.Processed, g.Value.Count)))
            .ToList();
        return new ReportSummary(total, groups, processed, Rate(processed, total), groupBy, range.From, range.To, Zone.Id);
    }

    public async Task<ReportTimeline> TimelineAsync(ReportRange range, string groupBy, ReportPeriod period)
    {
        var days = await ReadDaysAsync(range);
        var periods = new List<DateOnly>();
        var index = new Dictionary<DateOnly, int>();
        for (var day = range.From; day <= range.To; day = day.AddDays(1))
        {
            var start = PeriodStart(day, period);
            if (!index.ContainsKey(start))
            {
                index[start] = periods.Count;
                periods.Add(start);
            }
        }

        var totals = new long[periods.Count];
        var processed = new long[periods.Count];
        var series = new Dictionary<string, (long[] Counts, long[] Processed)>(StringComparer.Ordinal);
        for (var d = 0; d < days.Length; d++)
        {
            var slot = index[PeriodStart(range.From.AddDays(d), period)];
            totals[slot] += days[d].GetValueOrDefault("c:total");
            processed[slot] += days[d].GetValueOrDefault("p:total");
            foreach (var (key, count, done) in Groups(days[d], groupBy))
            {
                if (!series.TryGetValue(key, out var line))
                {
                    series[key] = line = (new long[periods.Count], new long[periods.Count]);
                }

                line.Counts[slot] += count;
                line.Processed[slot] += done;
            }
        }

        var ordered = series.OrderByDescending(s => s.Value.Counts.Sum()).ThenBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => new ReportSeries(s.Key, s.Value.Counts, s.Value.Processed)).ToList();
        var rates = totals.Select((t, i) => Rate(processed[i], t)).ToList();
        return new ReportTimeline(periods, totals, processed, rates, ordered, groupBy, period.ToString().ToLowerInvariant(), range.From, range.To, Zone.Id);
    }

    /// <summary>Day itself; the Monday of its ISO week; the first of its month.</summary>
    public static DateOnly PeriodStart(DateOnly day, ReportPeriod period) => period switch
    {
        ReportPeriod.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
        ReportPeriod.Month => new DateOnly(day.Year, day.Month, 1),
        _ => day,
    };

    /// <summary>Each day's counters, one array entry per day from From to To (empty where nothing arrived).</summary>
    private async Task<Dictionary<string, long>[]> ReadDaysAsync(ReportRange range)
    {
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var reads = new List<Task<HashEntry[]>>();
        for (var day = range.From; day <= range.To; day = day.AddDays(1))
        {
            reads.Add(batch.HashGetAllAsync(RedisKeys.ReportDay(ReportCounters.DayKey(day))));
        }

        batch.Execute();
        var days = new Dictionary<string, long>[reads.Count];
        for (var i = 0; i < reads.Count; i++)
        {
            var entries = await reads[i];
            var map = new Dictionary<string, long>(entries.Length, StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                map[(string)entry.Name!] = (long)entry.Value;
            }

            days[i] = map;
        }

        return days;
    }

    /// <summary>The (key, count, processed) of one day in one dimension.</summary>
    private static IEnumerable<(string Key, long Count, long Processed)> Groups(Dictionary<string, long> day, string dimension)
    {
        var prefix = ReportCounters.Count + ":" + dimension + ":";
        foreach (var (field, count) in day)
        {
            if (field.StartsWith(prefix, StringComparison.Ordinal))
            {
                var key = field[prefix.Length..];
                yield return (key, count, day.GetValueOrDefault(ReportCounters.Processed + ":" + dimension + ":" + key));
            }
        }
    }

    private static double? Rate(long processed, long total) => total == 0 ? null : Math.Round((double)processed / total, 4);

}
