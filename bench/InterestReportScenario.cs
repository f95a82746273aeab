using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Interests;
using SupportBot.Reports;

namespace SupportBot.Benchmarks;

/// <summary>
/// <c>interest-report --records 1000000 [--in-flight 64] [--redis host:port]</c>: the report counters of
/// a year of synthetic inbound records, written through the real observer (<see cref="ReportCounters.RecordAddedAsync"/>,
/// one Lua call per record, many in flight; the records themselves are not stored: the reports never read them), then
/// each count report's query function (<see cref="ReportCounts"/>) timed over that whole year.
/// </summary>
internal static class InterestReportScenario
{
    private const int WarmUpRuns = 10;
    private const int MeasuredRuns = 100;

    // A year no real deployment has data for: the run's counters do not mix with a bot's on the same Redis.
    private static readonly DateOnly FirstDay = new(2001, 1, 1);
    private static readonly DateOnly LastDay = new(2001, 12, 31);

    private static readonly string[] Sources = ["telegram", "vk", "webchat", "email", "form"];
    private static readonly string[] Actions = ["message", "comment", "like", "review", "request", "form", "join"];

    public static async Task<int> RunAsync(BenchArgs options, CancellationToken cancellationToken)
    {
        RedisServer? server = null;
        ConnectionMultiplexer? redis = null;
        try
        {
            var connection = options.Redis;
            if (connection is null)
            {
                server = await RedisServer.StartAsync(cancellationToken);
                connection = server.ConnectionString;
                BenchProgram.Progress($"redis-server pid {server.ProcessId} on {connection}");
            }

            redis = await ConnectionMultiplexer.ConnectAsync(connection);
            var db = redis.GetDatabase();
            var days = LastDay.DayNumber - FirstDay.DayNumber + 1;
            await DeleteDaysAsync(db, days); // a previous run's counters would add up

            var settings = Options.Create(new ReportsOptions { TimeZone = "UTC" });
            var counters = new ReportCounters(redis, settings);
            BenchProgram.Progress($"interest-report: writing the counters of {options.Records:N0} records over {days} days, {options.InFlight} observer calls in flight; {BenchProgram.LoadAverage()}");
            var cpuBefore = server?.CpuTime;
            var written = Stopwatch.StartNew();
            var next = -1;
            var workers = Enumerable.Range(0, options.InFlight).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < options.Records)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await counters.RecordAddedAsync(Synthetic(i, options.Records, days));
                }
            });
            await Task.WhenAll(workers);
            written.Stop();
            var cpu = server is null ? "" : $", redis-server CPU {(server.CpuTime - cpuBefore!.Value).TotalSeconds:0.0} s";
            BenchProgram.Progress($"interest-report: written in {written.Elapsed.TotalSeconds:0.0} s ({options.Records / written.Elapsed.TotalSeconds:0} records/s{cpu})");

            var reports = new ReportCounts(redis, counters, TimeProvider.System);
            var range = new ReportRange(FirstDay, LastDay);
            var quarter = new ReportRange(LastDay.AddDays(1 - ReportCounts.MaxDailyDays), LastDay);
            var check = await reports.SummaryAsync(range, "source");
            if (check.Total != options.Records)
            {
                await Console.Error.WriteLineAsync($"interest-report: the summary counts {check.Total} records, not {options.Records}");
                return 1;
            }

            var cases = new (string Name, Func<Task> Query)[]
            {
                ("summary-source", () => reports.SummaryAsync(range, "source")),
                ("summary-action", () => reports.SummaryAsync(range, "action")),
                ("summary-product", () => reports.SummaryAsync(range, "product")),
                ("timeline-source-week", () => reports.TimelineAsync(range, "source", ReportPeriod.Week)),
                ("timeline-source-month", () => reports.TimelineAsync(range, "source", ReportPeriod.Month)),
                // Day by day is allowed over a quarter at most (ReportCounts.MaxDailyDays): the year's last one.
                ("timeline-product-day-quarter", () => reports.TimelineAsync(quarter, "product", ReportPeriod.Day)),
            };
            var failed = false;
            foreach (var (name, query) in cases)
            {
                for (var i = 0; i < WarmUpRuns; i++)
                {
                    await query();
                }

                var latencies = new double[MeasuredRuns];
                for (var i = 0; i < MeasuredRuns; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var started = Stopwatch.GetTimestamp();
                    await query();
                    latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }

                Array.Sort(latencies);
                var p99 = BenchProgram.Percentile(latencies, 99);
                failed |= p99 >= 200;
                BenchProgram.Progress($"{name}: p50 {BenchProgram.Percentile(latencies, 50):0.00} ms, p90 {BenchProgram.Percentile(latencies, 90):0.00} ms, " +
                    $"p99 {p99:0.00} ms, max {latencies[^1]:0.00} ms over {MeasuredRuns} runs; {BenchProgram.LoadAverage()}");
                Console.Out.WriteLine(new JsonObject
                {
                    ["scenario"] = "interest-report",
                    ["report"] = name,
                    ["records"] = options.Records,
                    ["days"] = days,
                    ["p50_ms"] = BenchProgram.Round(BenchProgram.Percentile(latencies, 50), 2),
                    ["p99_ms"] = BenchProgram.Round(p99, 2),
                    ["write_records_per_sec"] = BenchProgram.Round(options.Records / written.Elapsed.TotalSeconds, 0),
                }.ToJsonString());
            }

            await DeleteDaysAsync(db, days);
            if (failed)
            {
                BenchProgram.Progress("interest-report: a report's p99 is at or above the 200 ms target");
            }

            return failed ? 1 : 0;
        }
        finally
        {
            if (redis is not null)
            {
                await redis.DisposeAsync();
            }

            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Record <paramref name="i"/> of <paramref name="total"/>, spread evenly over the days; a fixed mix of sources, actions, 50 products, 3 departments.</summary>
    private static InterestRecord Synthetic(int i, int total, int days)
    {
        var day = FirstDay.AddDays((int)((long)i * days / total));
        var date = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddSeconds(i % 86_400);
        return new InterestRecord
        {
            Id = "bench-" + i,
            Date = date,
            SourceType = Sources[i % Sources.Length],
            Author = new InterestAuthor("bench-user", null, null, null),
            Action = Actions[i / 5 % Actions.Length],
            Direction = "in",
            Product = i % 4 == 0 ? null : "product-" + (i % 50),
            Fields = i % 10 == 0 ? new Dictionary<string, string> { ["department"] = "dept-" + (i % 3) } : null,
            ConversationId = "bench:" + (i % 10_000),
            Processed = i % 3 != 0,
        };
    }

    private static async Task DeleteDaysAsync(IDatabase db, int days)
    {
        // Days, and the weeks and months they roll up into (a week may start in the December before).
        var keys = Enumerable.Range(0, days).Select(d => FirstDay.AddDays(d))
            .SelectMany(d => new[] { ReportPeriod.Day, ReportPeriod.Week, ReportPeriod.Month }.Select(unit => ReportCounters.Key(unit, ReportCounts.PeriodStart(d, unit))))
            .Distinct().ToArray();
        await db.KeyDeleteAsync(keys);
    }
}
