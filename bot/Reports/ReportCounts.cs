using System.Text;
using StackExchange.Redis;

namespace SupportBot.Reports;

/// <summary>
/// Count reports (summary, timeline) over the hashes of <see cref="ReportCounters"/>. A range is covered by
/// the largest periods that fit (whole months, then whole ISO weeks, then single days), so a year's summary
/// is about a dozen pipelined reads of the dimension's and the totals' hashes, three years about forty; records are never scanned.
/// </summary>
public sealed class ReportCounts(IConnectionMultiplexer redis, ReportCounters counters, TimeProvider time)
{
    /// <summary>
    /// Longest range a day-by-day timeline covers (a quarter): it reads one hash per day, and a year of days by
    /// product measured 150 ms at the median and up to a second on a busy 2-core machine; weeks say the same in 53.
    /// </summary>
    public const int MaxDailyDays = 92;

    public TimeZoneInfo Zone => counters.Zone;

    /// <summary>Today in the reports' zone.</summary>
    public DateOnly Today => counters.DayOf(time.GetUtcNow());

    /// <summary>Totals and groups of the range; with <paramref name="compare"/> also of the range before (<see cref="PreviousOf"/>).</summary>
    public async Task<ReportSummary> SummaryAsync(ReportRange range, string groupBy, bool compare = false)
    {
        var previousRange = PreviousOf(range);
        var currentTask = GroupAsync(range, groupBy);
        var previousTask = compare ? GroupAsync(previousRange, groupBy) : null;
        var (totals, groups) = await currentTask;
        var ordered = Ordered(groups);
        if (previousTask is null)
        {
            return new ReportSummary(totals.Count, ordered, totals.Processed, Rate(totals.Processed, totals.Count), groupBy, range.From, range.To, Zone.Id);
        }

        var (previousTotals, previousGroups) = await previousTask;
        var comparison = new ReportComparison(
            previousRange.From, previousRange.To, previousTotals.Count, previousTotals.Processed, Ordered(previousGroups),
            previousTotals.Count == 0 ? null : Math.Round((double)(totals.Count - previousTotals.Count) / previousTotals.Count, 4));
        return new ReportSummary(
            totals.Count, [.. ordered.Select(g => g with { PreviousCount = previousGroups.TryGetValue(g.Key, out var p) ? p.Count : 0 })],
            totals.Processed, Rate(totals.Processed, totals.Count), groupBy, range.From, range.To, Zone.Id)
        {
            Previous = comparison,
        };
    }

    /// <summary>
    /// The range just before, of the same length: the same number of whole months before a range of whole months
    /// (March → February), else as many days (a week → the week before).
    /// </summary>
    public static ReportRange PreviousOf(ReportRange range)
    {
        if (range.From.Day == 1 && range.To == PeriodEnd(range.To, ReportPeriod.Month))
        {
            var months = (range.To.Year - range.From.Year) * 12 + range.To.Month - range.From.Month + 1;
            return new ReportRange(range.From.AddMonths(-months), range.From.AddDays(-1));
        }

        var days = range.To.DayNumber - range.From.DayNumber + 1;
        return new ReportRange(range.From.AddDays(-days), range.From.AddDays(-1));
    }

    private async Task<(Totals Totals, Dictionary<string, Totals> Groups)> GroupAsync(ReportRange range, string groupBy)
    {
        var pieces = await ReadAsync(Plan(range, null), groupBy);
        var totals = new Totals();
        var groups = new Dictionary<string, Totals>(StringComparer.Ordinal);
        var lookup = groups.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var (total, hash) in pieces)
        {
            totals.Add(total);
            AddGroups(hash, (key, processed, value) =>
            {
                if (!lookup.TryGetValue(key, out var group))
                {
                    lookup[key] = group = new Totals();
                }

                group.Add(processed, value);
            });
        }

        return (totals, groups);
    }

    private static List<ReportGroup> Ordered(Dictionary<string, Totals> groups) =>
        [.. groups.OrderByDescending(g => g.Value.Count).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ReportGroup(g.Key, g.Value.Count, g.Value.Processed, Rate(g.Value.Processed, g.Value.Count)))];

    /// <summary>The first-response histogram and figures of the range (by the records' days), for a department and/or agent when given.</summary>
    public async Task<FirstResponseReport> FirstResponseAsync(ReportRange range, string? department, string? agentId, bool compare = false)
    {
        var previousRange = PreviousOf(range);
        var currentTask = HistogramAsync(range, department, agentId);
        var previousTask = compare ? HistogramAsync(previousRange, department, agentId) : null;
        var (figures, buckets) = await currentTask;
        var report = new FirstResponseReport(range.From, range.To, Zone.Id, department, agentId, figures, buckets);
        if (previousTask is not null)
        {
            var (previousFigures, previousBuckets) = await previousTask;
            report = report with { Previous = new FirstResponsePrevious(previousRange.From, previousRange.To, previousFigures, previousBuckets) };
        }

        return report;
    }

    private async Task<(FirstResponseFigures, List<HistogramBucket>)> HistogramAsync(ReportRange range, string? department, string? agentId)
    {
        var scope = FirstResponseCounters.Scope(department, agentId);
        var bucketCount = FirstResponseCounters.BucketBounds.Length + 1;
        RedisValue[] fields =
        [
            .. Enumerable.Range(0, bucketCount).Select(b => (RedisValue)FirstResponseCounters.BucketField(scope, b)),
            FirstResponseCounters.CountField(scope), FirstResponseCounters.SumField(scope),
        ];
        var batch = redis.GetDatabase().CreateBatch();
        var reads = Plan(range, null).Select(p => batch.HashGetAsync(FirstResponseCounters.Key(p.Unit, p.Start), fields)).ToArray();
        batch.Execute();
        var counts = new long[bucketCount];
        long count = 0, sumMs = 0;
        foreach (var values in await Task.WhenAll(reads))
        {
            for (var b = 0; b < bucketCount; b++)
            {
                counts[b] += values[b].IsNull ? 0 : (long)values[b];
            }

            count += values[bucketCount].IsNull ? 0 : (long)values[bucketCount];
            sumMs += values[bucketCount + 1].IsNull ? 0 : (long)values[bucketCount + 1];
        }

        var bounds = FirstResponseCounters.BucketBounds;
        var buckets = counts.Select((c, b) => new HistogramBucket(b == 0 ? 0 : bounds[b - 1], b < bounds.Length ? bounds[b] : null, c)).ToList();
        var figures = new FirstResponseFigures(
            count, count == 0 ? null : Math.Round(sumMs / 1000.0 / count, 1),
            Estimate(buckets, 50), Estimate(buckets, 75), Estimate(buckets, 90), Estimate(buckets, 95));
        return (figures, buckets);
    }

    /// <summary>The nearest-rank percentile, placed linearly within its bucket (the open last bucket gives its lower bound).</summary>
    internal static double? Estimate(IReadOnlyList<HistogramBucket> buckets, double percentile)
    {
        var total = buckets.Sum(b => b.Count);
        if (total == 0)
        {
            return null;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * total));
        long before = 0;
        foreach (var bucket in buckets)
        {
            if (before + bucket.Count >= rank)
            {
                return bucket.ToSeconds is { } to
                    ? Math.Round(bucket.FromSeconds + (to - bucket.FromSeconds) * (double)(rank - before) / bucket.Count, 1)
                    : bucket.FromSeconds;
            }

            before += bucket.Count;
        }

        return buckets[^1].FromSeconds;
    }

    /// <summary>Customers' moves between funnel stages in the range, per transition and per stage (in the funnel's order, then any others).</summary>
    public async Task<FunnelReport> FunnelAsync(ReportRange range, IReadOnlyList<string> stages, bool compare = false)
    {
        var previousRange = PreviousOf(range);
        var currentTask = MovesAsync(range, stages);
        var previousTask = compare ? MovesAsync(previousRange, stages) : null;
        var (moves, transitions, perStage) = await currentTask;
        var report = new FunnelReport(range.From, range.To, Zone.Id, stages, moves, transitions, perStage);
        if (previousTask is not null)
        {
            var (previousMoves, previousTransitions, previousPerStage) = await previousTask;
            report = report with { Previous = new FunnelPrevious(previousRange.From, previousRange.To, previousMoves, previousTransitions, previousPerStage) };
        }

        return report;
    }

    private async Task<(long, List<FunnelMove>, List<FunnelStageCount>)> MovesAsync(ReportRange range, IReadOnlyList<string> stages)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var reads = Plan(range, null).Select(p => batch.HashGetAllAsync(FunnelCounters.Key(p.Unit, p.Start))).ToArray();
        batch.Execute();
        var counts = new Dictionary<(string From, string To), long>();
        foreach (var hash in await Task.WhenAll(reads))
        {
            foreach (var entry in hash)
            {
                if (FunnelCounters.ParseMoveField(entry.Name!) is { } move)
                {
                    counts[move] = counts.GetValueOrDefault(move) + (long)entry.Value;
                }
            }
        }

        var order = stages.Concat(counts.Keys.SelectMany(k => new[] { k.From, k.To }).Order(StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        var transitions = counts.Where(c => c.Value != 0)
            .OrderByDescending(c => c.Value).ThenBy(c => order.IndexOf(c.Key.From)).ThenBy(c => order.IndexOf(c.Key.To))
            .Select(c => new FunnelMove(c.Key.From, c.Key.To, c.Value)).ToList();
        var perStage = order.Select(stage => new FunnelStageCount(
            stage, transitions.Where(t => t.To == stage).Sum(t => t.Count), transitions.Where(t => t.From == stage).Sum(t => t.Count))).ToList();
        return (transitions.Sum(t => t.Count), transitions, perStage);
    }

    public async Task<ReportTimeline> TimelineAsync(ReportRange range, string groupBy, ReportPeriod period)
    {
        var periods = new List<DateOnly>();
        for (var start = PeriodStart(range.From, period); start <= range.To; start = PeriodEnd(start, period).AddDays(1))
        {
            periods.Add(start);
        }

        var slots = periods.Select(_ => new Totals()).ToArray();
        var series = new Dictionary<string, Totals[]>(StringComparer.Ordinal);
        var lookup = series.GetAlternateLookup<ReadOnlySpan<char>>();
        var pieces = Plan(range, period);
        var hashes = await ReadAsync(pieces, groupBy);
        var first = periods[0];
        for (var i = 0; i < pieces.Count; i++)
        {
            var slot = SlotOf(first, PeriodStart(pieces[i].Start, period), period);
            slots[slot].Add(hashes[i].Total);
            AddGroups(hashes[i].Groups, (key, processed, value) =>
            {
                if (!lookup.TryGetValue(key, out var line))
                {
                    lookup[key] = line = new Totals[periods.Count];
                }

                (line[slot] ??= new Totals()).Add(processed, value);
            });
        }

        var ordered = series.OrderByDescending(s => s.Value.Sum(t => t?.Count ?? 0)).ThenBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => new ReportSeries(s.Key, [.. s.Value.Select(t => t?.Count ?? 0)], [.. s.Value.Select(t => t?.Processed ?? 0)]))
            .ToList();
        return new ReportTimeline(
            periods, [.. slots.Select(t => t.Count)], [.. slots.Select(t => t.Processed)], [.. slots.Select(t => Rate(t.Processed, t.Count))],
            ordered, groupBy, period.ToString().ToLowerInvariant(), range.From, range.To, Zone.Id);
    }

    /// <summary>Day itself; the Monday of its ISO week; the first of its month.</summary>
    public static DateOnly PeriodStart(DateOnly day, ReportPeriod period) => period switch
    {
        ReportPeriod.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
        ReportPeriod.Month => new DateOnly(day.Year, day.Month, 1),
        _ => day,
    };

    public static DateOnly PeriodEnd(DateOnly day, ReportPeriod period) => period switch
    {
        ReportPeriod.Week => PeriodStart(day, period).AddDays(6),
        ReportPeriod.Month => PeriodStart(day, period).AddMonths(1).AddDays(-1),
        _ => day,
    };

    /// <summary>
    /// Disjoint counter hashes that cover the range exactly, largest first; with <paramref name="period"/> none
    /// crosses the end of a period of the timeline (a month hash never feeds two weeks).
    /// </summary>
    internal static List<(ReportPeriod Unit, DateOnly Start)> Plan(ReportRange range, ReportPeriod? period)
    {
        var pieces = new List<(ReportPeriod, DateOnly)>();
        var day = range.From;
        while (day <= range.To)
        {
            var limit = period is { } p && PeriodEnd(day, p) < range.To ? PeriodEnd(day, p) : range.To;
            var unit = day.Day == 1 && PeriodEnd(day, ReportPeriod.Month) <= limit ? ReportPeriod.Month
                : day.DayOfWeek == DayOfWeek.Monday && day.AddDays(6) <= limit ? ReportPeriod.Week
                : ReportPeriod.Day;
            pieces.Add((unit, day));
            day = PeriodEnd(day, unit).AddDays(1);
        }

        return pieces;
    }

    private static int SlotOf(DateOnly first, DateOnly start, ReportPeriod period) => period switch
    {
        ReportPeriod.Week => (start.DayNumber - first.DayNumber) / 7,
        ReportPeriod.Month => (start.Year - first.Year) * 12 + start.Month - first.Month,
        _ => start.DayNumber - first.DayNumber,
    };

    /// <summary>Each piece's totals and its hash of the dimension, in one pipelined batch.</summary>
    private async Task<(Totals Total, HashEntry[] Groups)[]> ReadAsync(List<(ReportPeriod Unit, DateOnly Start)> pieces, string dimension)
    {
        RedisValue[] totalFields = [ReportCounters.Count, ReportCounters.Processed];
        var batch = redis.GetDatabase().CreateBatch();
        var totals = pieces.Select(p => batch.HashGetAsync(ReportCounters.Key(ReportCounters.Total, p.Unit, p.Start), totalFields)).ToArray();
        var groups = pieces.Select(p => batch.HashGetAllAsync(ReportCounters.Key(dimension, p.Unit, p.Start))).ToArray();
        batch.Execute();
        var read = new (Totals, HashEntry[])[pieces.Count];
        for (var i = 0; i < read.Length; i++)
        {
            var total = await totals[i];
            read[i] = (new Totals { Count = total[0].IsNull ? 0 : (long)total[0], Processed = total[1].IsNull ? 0 : (long)total[1] }, await groups[i]);
        }

        return read;
    }

    private delegate void GroupValue(ReadOnlySpan<char> key, bool processed, long value);

    /// <summary>
    /// Hands each <c>c:&lt;key&gt;</c> / <c>p:&lt;key&gt;</c> field of a dimension's hash to <paramref name="add"/>. The
    /// field is decoded into a stack buffer, not a string: a quarter by product is ~10,000 fields, and the groups'
    /// dictionaries look the keys up by span, so only a key seen for the first time becomes a string.
    /// </summary>
    private static void AddGroups(HashEntry[] hash, GroupValue add)
    {
        Span<char> buffer = stackalloc char[512];
        foreach (var entry in hash)
        {
            var name = ((ReadOnlyMemory<byte>)entry.Name).Span;
            if (name.Length < 2 || name[1] != (byte)':' || (name[0] != (byte)'c' && name[0] != (byte)'p'))
            {
                continue;
            }

            var raw = name[2..];
            var key = raw.Length <= buffer.Length ? buffer[..Encoding.UTF8.GetChars(raw, buffer)] : Encoding.UTF8.GetString(raw).AsSpan();
            add(key, name[0] == (byte)'p', (long)entry.Value);
        }
    }

    private static double? Rate(long processed, long total) => total == 0 ? null : Math.Round((double)processed / total, 4);

    private sealed class Totals
    {
        public long Count { get; set; }

        public long Processed { get; set; }

        public void Add(bool processed, long value)
        {
            if (processed)
            {
                Processed += value;
            }
            else
            {
                Count += value;
            }
        }

        public void Add(Totals other)
        {
            Count += other.Count;
            Processed += other.Processed;
        }
    }
}
