using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Interests;
using SupportBot.Interests.Distribution;
using SupportBot.Reports;

namespace SupportBot.Benchmarks;

/// <summary>
/// <c>interest-report --records 1000000 [--in-flight 64] [--redis host:port]</c>: a year of synthetic inbound records
/// written through the real <see cref="InterestLog"/> (record, work state, indexes) with the report observers
/// (<see cref="ReportCounters"/>, <see cref="FirstResponseCounters"/>); a third then processed by an agent through
/// <see cref="InterestLog.MarkProcessedAsync"/> (counters move, first responses counted), a third left open; funnel
/// moves through <see cref="FunnelCounters"/>. Then every report is timed over HTTP against the real host (the bot's
/// Program on Kestrel, on the same Redis): summaries, timelines, comparisons, first-response distribution, funnel,
/// unanswered, agents.
/// </summary>
internal static class InterestReportScenario
{
    private const int WarmUpRuns = 10;
    private const int MeasuredRuns = 100;
    private const string ApiKey = "bench-reports-key-0123456789";
    private const int FunnelMoves = 100_000;

    // A year no real deployment has data for: the run's records and counters do not mix with a bot's on the same Redis.
    private static readonly DateOnly FirstDay = new(2001, 1, 1);
    private static readonly DateOnly LastDay = new(2001, 12, 31);

    private static readonly string[] Sources = ["telegram", "vk", "webchat", "email", "form"];
    private static readonly string[] Actions = ["message", "comment", "like", "review", "request", "form", "join"];
    private static readonly string[] Stages = ["new", "qualified", "proposal", "won", "lost"];

    public static async Task<int> RunAsync(BenchArgs options, CancellationToken cancellationToken)
    {
        RedisServer? server = null;
        ConnectionMultiplexer? redis = null;
        BenchHost? host = null;
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
            await DeleteCountersAsync(db, days); // a previous run's counters would add up

            var counters = new ReportCounters(redis, Options.Create(new ReportsOptions { TimeZone = "UTC" }));
            var firstResponses = new FirstResponseCounters(redis, counters);
            var funnel = new FunnelCounters(redis, counters);
            var log = new InterestLog(
                redis, [counters, firstResponses], new InterestRouting(Options.Create(new InterestsOptions()), redis), NullLogger<InterestLog>.Instance);
            if (await db.SortedSetLengthAsync(RedisKeysOfTheYear.Time, RedisKeysOfTheYear.From, RedisKeysOfTheYear.To) > 0)
            {
                BenchProgram.Progress("interest-report: removing a previous run's records of 2001");
                await RemoveYearAsync(log);
            }

            BenchProgram.Progress($"interest-report: writing {options.Records:N0} records over {days} days, {options.InFlight} at a time; {BenchProgram.LoadAverage()}");
            var cpuBefore = server?.CpuTime;
            var written = Stopwatch.StartNew();
            await ForEachAsync(options.Records, options.InFlight, i => log.AppendAsync(Synthetic(i, options.Records, days)), cancellationToken);
            written.Stop();
            var cpu = server is null ? "" : $", redis-server CPU {(server.CpuTime - cpuBefore!.Value).TotalSeconds:0.0} s";
            BenchProgram.Progress($"interest-report: written in {written.Elapsed.TotalSeconds:0.0} s ({options.Records / written.Elapsed.TotalSeconds:0} records/s{cpu})");

            // A third of the records an agent answers hours later: their responsible and processed counts move, first responses are counted.
            var answered = Stopwatch.StartNew();
            var toAnswer = (options.Records + 1) / 3; // i % 3 == 1
            await ForEachAsync(toAnswer, options.InFlight, n =>
            {
                var i = n * 3 + 1;
                var record = Synthetic(i, options.Records, days);
                return log.MarkProcessedAsync(record.Id, AgentOf(i), "called back", record.Date + ResponseTime(i));
            }, cancellationToken);
            answered.Stop();
            BenchProgram.Progress($"interest-report: {toAnswer:N0} processed by agents in {answered.Elapsed.TotalSeconds:0.0} s");
            // Customers moving on through new → qualified → proposal → won, a fifth of the moves to lost.
            await ForEachAsync(FunnelMoves, options.InFlight, i => funnel.AddAsync(
                Stages[i % 3], Stages[i % 5 == 0 ? 4 : i % 3 + 1], new DateTimeOffset(FirstDay.AddDays(i % days).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)), cancellationToken);

            host = new BenchHost(connection, new Dictionary<string, string?>
            {
                ["Api:Keys:0"] = ApiKey,
                ["Reports:TimeZone"] = "UTC",
                ["Interests:RetentionDays"] = "0", // the host must not sweep the bench's year away
            });
            host.Start();
            using var http = new HttpClient { BaseAddress = host.BaseAddress };
            http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);

            var year = "from=2001-01-01&to=2001-12-31";
            var quarter = $"from={LastDay.AddDays(1 - ReportCounts.MaxDailyDays):yyyy-MM-dd}&to=2001-12-31";
            var check = await http.GetFromJsonAsync<JsonObject>($"/api/reports/summary?{year}", cancellationToken);
            var open = await http.GetFromJsonAsync<JsonObject>("/api/reports/unanswered?olderThanMinutes=525600&limit=1", cancellationToken);
            var responses = await http.GetFromJsonAsync<JsonObject>($"/api/reports/first-response?{year}", cancellationToken);
            var expectedOpen = options.Records / 3; // i % 3 == 2
            if (check!["total"]!.GetValue<long>() != options.Records || open!["total"]!.GetValue<long>() < expectedOpen
                || responses!["figures"]!["count"]!.GetValue<long>() != toAnswer)
            {
                await Console.Error.WriteLineAsync($"interest-report: the reports disagree with what was written: {check}, {open}, {responses!["figures"]}");
                return 1;
            }

            var cases = new (string Name, string Path)[]
            {
                ("summary-source", $"summary?{year}&groupBy=source"),
                ("summary-action", $"summary?{year}&groupBy=action"),
                ("summary-product", $"summary?{year}&groupBy=product"),
                ("summary-agent", $"summary?{year}&groupBy=agent"),
                ("summary-department", $"summary?{year}&groupBy=department"),
                ("summary-source-compare-previous", $"summary?{year}&groupBy=source&compare=previous"),
                ("timeline-source-week", $"timeline?{year}&groupBy=source&period=week"),
                ("timeline-source-month", $"timeline?{year}&groupBy=source&period=month"),
                ("timeline-agent-month", $"timeline?{year}&groupBy=agent&period=month"),
                // Day by day is allowed over a quarter at most (ReportCounts.MaxDailyDays): the year's last one.
                ("timeline-product-day-quarter", $"timeline?{quarter}&groupBy=product&period=day"),
                ("first-response", $"first-response?{year}"),
                ("first-response-department-agent-compare", $"first-response?{year}&department=dept-1&agent=bench-agent-7&compare=previous"),
                ("funnel-compare-previous", $"funnel?{year}&compare=previous"),
                ("unanswered-50", "unanswered?olderThanMinutes=60&limit=50"),
                ("unanswered-500", "unanswered?olderThanMinutes=60&limit=500"),
                ("agents", "agents"),
            };
            var failed = false;
            foreach (var (name, path) in cases)
            {
                async Task Query()
                {
                    using var response = await http.GetAsync("/api/reports/" + path, HttpCompletionOption.ResponseContentRead, cancellationToken);
                    response.EnsureSuccessStatusCode();
                }

                for (var i = 0; i < WarmUpRuns; i++)
                {
                    await Query();
                }

                // One request at a time: the latency is one report's, not a queue's. CPU and allocation per call say what a
                // report costs whatever else the machine runs (the bench process holds both the client and the host).
                using var self = Process.GetCurrentProcess();
                var processCpu = self.TotalProcessorTime;
                var redisCpu = server?.CpuTime;
                var allocated = GC.GetTotalAllocatedBytes(precise: false);
                var latencies = new double[MeasuredRuns];
                for (var i = 0; i < MeasuredRuns; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var started = Stopwatch.GetTimestamp();
                    await Query();
                    latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }

                self.Refresh();
                var hostCpuMs = (self.TotalProcessorTime - processCpu).TotalMilliseconds / MeasuredRuns;
                var redisCpuMs = server is null ? (double?)null : (server.CpuTime - redisCpu!.Value).TotalMilliseconds / MeasuredRuns;
                var perCall = FormattableString.Invariant(
                    $"per call: bench+host CPU {hostCpuMs:0.00} ms, redis-server CPU {redisCpuMs:0.00} ms, allocated {(GC.GetTotalAllocatedBytes(precise: false) - allocated) / MeasuredRuns / 1024.0:0} KB");
                Array.Sort(latencies);
                var p99 = BenchProgram.Percentile(latencies, 99);
                failed |= p99 >= 200;
                BenchProgram.Progress($"{name}: p50 {BenchProgram.Percentile(latencies, 50):0.00} ms, p90 {BenchProgram.Percentile(latencies, 90):0.00} ms, " +
                    $"p99 {p99:0.00} ms, max {latencies[^1]:0.00} ms over {MeasuredRuns} runs, one at a time; {perCall}; {BenchProgram.LoadAverage()}");
                Console.Out.WriteLine(new JsonObject
                {
                    ["scenario"] = "interest-report",
                    ["report"] = name,
                    ["records"] = options.Records,
                    ["days"] = days,
                    ["via"] = "http",
                    ["concurrency"] = 1,
                    ["p50_ms"] = BenchProgram.Round(BenchProgram.Percentile(latencies, 50), 2),
                    ["p99_ms"] = BenchProgram.Round(p99, 2),
                    ["write_records_per_sec"] = BenchProgram.Round(options.Records / written.Elapsed.TotalSeconds, 0),
                }.ToJsonString());
            }

            if (options.Redis is not null)
            {
                // Someone's Redis: take the year away again, through the retention sweep's own removal.
                var removed = Stopwatch.StartNew();
                var count = await RemoveYearAsync(log);
                BenchProgram.Progress($"interest-report: removed {count:N0} records in {removed.Elapsed.TotalSeconds:0.0} s ({count / removed.Elapsed.TotalSeconds:0} records/s)");
                await DeleteCountersAsync(db, days);
            }

            if (failed)
            {
                BenchProgram.Progress("interest-report: a report's p99 is at or above the 200 ms target");
            }

            return failed ? 1 : 0;
        }
        finally
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }

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

    /// <summary>Runs <paramref name="work"/> for 0 to <paramref name="total"/> − 1, <paramref name="inFlight"/> at a time.</summary>
    private static async Task ForEachAsync(int total, int inFlight, Func<int, Task> work, CancellationToken cancellationToken)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await work(i);
            }
        }));
    }

    /// <summary>
    /// Record <paramref name="i"/> of <paramref name="total"/>, spread evenly over the days: 5 sources, 7 actions, 50 products
    /// (a quarter with none), 3 departments; every third answered by the bot (processed), every third open, and the rest
    /// (i % 3 == 1) left for an agent, who answers it later.
    /// </summary>
    private static InterestRecord Synthetic(int i, int total, int days)
    {
        var day = FirstDay.AddDays((int)((long)i * days / total));
        var date = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddSeconds(i % 86_400);
        var byBot = i % 3 == 0;
        return new InterestRecord
        {
            Id = "in-" + i.ToString("x8", System.Globalization.CultureInfo.InvariantCulture),
            Date = date,
            SourceType = Sources[i % Sources.Length],
            Author = new InterestAuthor("bench-user-" + (i % 50_000), null, null, null),
            Action = Actions[i / 5 % Actions.Length],
            Direction = "in",
            Product = i % 4 == 0 ? null : "product-" + (i % 50),
            Department = "dept-" + (i % 3 == 1 ? i / 3 % 3 : i % 3),
            ConversationId = "bench:" + (i % 50_000),
            Responsible = byBot ? "bot" : null,
            Processed = byBot,
            ProcessedAt = byBot ? date : null,
            ProcessedBy = byBot ? "bot" : null,
        };
    }

    private static string AgentOf(int i) => "bench-agent-" + (i / 3 % 20);

    /// <summary>From half a minute to about two days, skewed short, as first responses are.</summary>
    private static TimeSpan ResponseTime(int i) => TimeSpan.FromSeconds(30 * Math.Pow(1.5, i / 3 % 17));

    /// <summary>Removes the year's records batch by batch, as the retention sweep does; how many went.</summary>
    private static async Task<long> RemoveYearAsync(InterestLog log)
    {
        long count = 0;
        RemovalBatch batch;
        do
        {
            batch = await log.RemoveOlderThanAsync(new DateTimeOffset(2002, 1, 1, 0, 0, 0, TimeSpan.Zero), InterestRetention.BatchSize);
            count += batch.Removed;
        }
        while (batch.Found > 0 && batch.Removed > 0);
        return count;
    }

    private static async Task DeleteCountersAsync(IDatabase db, int days)
    {
        // Days, and the weeks and months they roll up into (a week may start in the December before); a year before for compare=previous.
        var keys = Enumerable.Range(-days, days * 2).Select(d => FirstDay.AddDays(d))
            .SelectMany(d => new[] { ReportPeriod.Day, ReportPeriod.Week, ReportPeriod.Month }.Select(unit => (unit, start: ReportCounts.PeriodStart(d, unit))))
            .Distinct()
            .SelectMany(p => new[] { FirstResponseCounters.Key(p.unit, p.start), FunnelCounters.Key(p.unit, p.start) }
                .Concat(ReportCounters.Dimensions.Append(ReportCounters.Total).Select(d => ReportCounters.Key(d, p.unit, p.start))))
            .ToArray();
        await db.KeyDeleteAsync(keys);
    }

    /// <summary>The time index's range of 2001 (unix ms).</summary>
    private static class RedisKeysOfTheYear
    {
        public static readonly RedisKey Time = Handoff.RedisKeys.InterestsByTime;
        public static readonly double From = new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        public static readonly double To = new DateTimeOffset(2002, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() - 1;
    }
}
