using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Handoff;
using SupportBot.Interests;

namespace SupportBot.Reports;

/// <summary>
/// The reports behind <c>/api/reports</c> and the console page. Counts read the per-day hashes of
/// <see cref="ReportCounters"/> (one pipelined HGETALL per day, at most ~1,100 for three years);
/// agent figures read the handoff's recent-figures lists once each.
/// </summary>
public sealed class ReportQueries(
    IConnectionMultiplexer redis, ReportCounters counters, HandoffService handoff, InterestLog interests,
    IOptions<ReportsOptions> options, TimeProvider time)
{
    /// <summary>How many newest samples of each figure the handoff keeps (its lists are capped there).</summary>
    public const int FigureSamples = 1000;

    public TimeZoneInfo Zone => counters.Zone;

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

    /// <summary>First-response and handle times per agent and department (median, p90), and each department's queue now.</summary>
    public async Task<AgentsReport> AgentsAsync()
    {
        var db = redis.GetDatabase();
        var store = handoff.Store;
        // One read per figure: the same samples HandoffStore.FiguresAsync filters, grouped here in one pass.
        var waitTask = ReadFiguresAsync(db, "wait");
        var firstTask = ReadFiguresAsync(db, "first-response");
        var handleTask = ReadFiguresAsync(db, "handle");
        var agentIdsTask = store.AgentIdsAsync();
        var departments = handoff.Departments.All;
        var queueTasks = departments.Select(d => store.QueueLengthAsync(d.Name)).ToArray();
        var (wait, first, handle) = (await waitTask, await firstTask, await handleTask);

        var agentIds = (await agentIdsTask).Concat(first.Select(s => s.Agent)).Concat(handle.Select(s => s.Agent))
            .Where(a => a.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var profiles = await Task.WhenAll(agentIds.Select(store.GetAgentAsync));
        var agents = agentIds.Select((id, i) => new AgentFigures(
            id, profiles[i]?.Name,
            Figures(first.Where(s => s.Agent == id)),
            Figures(handle.Where(s => s.Agent == id)))).ToList();

        var queues = await Task.WhenAll(queueTasks);
        var now = time.GetUtcNow();
        var perDepartment = departments.Select((d, i) => new DepartmentFigures(
            d.Name, queues[i], d.Hours.IsOpen(now),
            Figures(wait.Where(s => s.Department == d.Name)),
            Figures(first.Where(s => s.Department == d.Name)),
            Figures(handle.Where(s => s.Department == d.Name)))).ToList();
        return new AgentsReport(agents, perDepartment, queues.Sum(), FigureSamples);
    }

    /// <summary>
    /// Inbound records not processed and older than <paramref name="olderThan"/>, newest first. The interest
    /// log indexes by time only, not by processed: this walks the time index backwards from the cut-off in pages and
    /// filters in memory, looking at no more than <see cref="ReportsOptions.UnansweredWindow"/> records
    /// (<see cref="UnansweredReport.Complete"/> says whether it stopped there).
    /// </summary>
    public async Task<UnansweredReport> UnansweredAsync(TimeSpan olderThan, int limit)
    {
        const int pageSize = 200;
        var now = time.GetUtcNow();
        var cutOff = now - olderThan;
        var window = options.Value.UnansweredWindow;
        var items = new List<UnansweredItem>(limit);
        var scanned = 0;
        var complete = true;
        for (var page = 1; items.Count < limit; page++)
        {
            if (scanned >= window)
            {
                complete = false;
                break;
            }

            var result = await interests.QueryAsync(new InterestQuery(null, cutOff, null, null, page, pageSize));
            foreach (var record in result.Items)
            {
                scanned++;
                if (record is { Direction: "in", Processed: false })
                {
                    items.Add(new UnansweredItem(
                        record.Id, record.Date, (int)(now - record.Date).TotalMinutes, record.SourceType, record.Action, record.ConversationId,
                        record.Author.Name, Shorten(record.Text), record.Product, record.Responsible, record.SourceLink));
                    if (items.Count == limit)
                    {
                        break;
                    }
                }
            }

            if (!result.HasMore)
            {
                break;
            }
        }

        return new UnansweredReport(items, scanned, complete, cutOff);
    }

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

    private static async Task<List<(string Department, string Agent, long Ms)>> ReadFiguresAsync(IDatabase db, string figure)
    {
        var samples = new List<(string, string, long)>();
        foreach (var entry in await db.ListRangeAsync(RedisKeys.HandoffFigures(figure), 0, FigureSamples - 1))
        {
            var parts = ((string)entry!).Split('|');
            if (parts.Length == 3 && long.TryParse(parts[2], CultureInfo.InvariantCulture, out var ms))
            {
                samples.Add((parts[0], parts[1], ms));
            }
        }

        return samples;
    }

    private static TimeFigures Figures(IEnumerable<(string Department, string Agent, long Ms)> samples)
    {
        var sorted = samples.Select(s => s.Ms).Order().ToArray();
        return sorted.Length == 0 ? new TimeFigures(0, null, null) : new TimeFigures(sorted.Length, Percentile(sorted, 50), Percentile(sorted, 90));
    }

    /// <summary>Nearest rank of an ascending array.</summary>
    public static long Percentile(long[] sorted, double percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double? Rate(long processed, long total) => total == 0 ? null : Math.Round((double)processed / total, 4);

    private static string? Shorten(string? text) => text is { Length: > 200 } ? text[..200] + "…" : text;
}
