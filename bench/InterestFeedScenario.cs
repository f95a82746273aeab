using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Interests;
using SupportBot.Interests.Distribution;
using SupportBot.Storage;

namespace SupportBot.Benchmarks;

/// <summary>
/// <c>interest-feed --records 100000 [--store redis|garnet] [--redis host:port]</c>: writes N lead-card
/// records through the real <see cref="InterestLog"/> (record, work state, indexes, search words), then
/// times the feed's queries as the console runs them: a filtered page (channel + open, or channel +
/// product + responsible) and a full-text search (two words, Latin or Cyrillic), page 1 of 50.
/// </summary>
internal static class InterestFeedScenario
{
    private const int WarmUpQueries = 50;
    private const int TimedQueries = 400;
    private const int WriteConcurrency = 64;
    private static readonly string[] Sources = ["telegram", "vk", "webchat", "email", "form"];
    private static readonly string[] Actions = ["message", "message", "message", "comment", "like", "review", "request"];

    public static async Task<int> RunAsync(BenchArgs options, CancellationToken cancellationToken)
    {
        RedisServer? server = null;
        RedisConnection? garnet = null;
        string? garnetDir = null;
        try
        {
            IConnectionMultiplexer redis;
            var store = options.Redis is not null ? "redis (given)" : options.Store == "garnet" ? "garnet" : "redis";
            if (options.Redis is not null)
            {
                redis = await ConnectionMultiplexer.ConnectAsync(options.Redis);
            }
            else if (options.Store == "garnet")
            {
                garnetDir = Directory.CreateTempSubdirectory("bench-garnet-").FullName;
                garnet = new RedisConnection(
                    Options.Create(new RedisOptions()),
                    Options.Create(new StorageOptions { DataDir = garnetDir, EmbeddedMemory = "2g" }),
                    NullLogger<RedisConnection>.Instance);
                redis = await garnet.ConnectAsync(cancellationToken);
                BenchProgram.Progress($"embedded Garnet in this process, data in {garnetDir}");
            }
            else
            {
                server = await RedisServer.StartAsync(cancellationToken);
                redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
                BenchProgram.Progress($"redis-server pid {server.ProcessId} on {server.ConnectionString}");
            }

            var log = new InterestLog(redis, [], new InterestRouting(Options.Create(new InterestsOptions()), redis), NullLogger<InterestLog>.Instance);
            var random = new Random(options.Seed);
            var vocabulary = Vocabulary(random);
            var products = Enumerable.Range(0, 40).Select(i => $"Product {i}").ToArray();
            var agents = Enumerable.Range(0, 20).Select(i => $"agent:bench-{i}").ToArray();
            var run = Guid.NewGuid().ToString("N")[..8];
            var now = DateTimeOffset.UtcNow;

            BenchProgram.Progress($"interest-feed: writing {options.Records} records ({WriteConcurrency} at a time), store {store}, {BenchProgram.LoadAverage()}");
            var records = Enumerable.Range(0, options.Records).Select(i => Record(i, run, now, random, vocabulary, products, agents)).ToArray();
            var write = Stopwatch.StartNew();
            await Parallel.ForEachAsync(records, new ParallelOptions { MaxDegreeOfParallelism = WriteConcurrency, CancellationToken = cancellationToken },
                async (record, _) => await log.AppendAsync(record));
            var writesPerSecond = options.Records / write.Elapsed.TotalSeconds;
            BenchProgram.Progress($"interest-feed: written in {write.Elapsed.TotalSeconds:0.0} s ({writesPerSecond:0} records/s)");

            InterestFilter Filtered(int i) => i % 2 == 0
                ? new InterestFilter { Source = Sources[i / 2 % Sources.Length], Processed = false }
                : new InterestFilter { Source = Sources[i / 2 % Sources.Length], Product = products[i % products.Length], Responsible = agents[i % agents.Length] };
            InterestFilter Search(int i) => new()
            {
                Text = vocabulary[Zipf(random, vocabulary.Length)] + " " + vocabulary[Zipf(random, vocabulary.Length)],
            };

            var filtered = await TimeAsync(log, Filtered, cancellationToken);
            BenchProgram.Progress($"interest-feed: filtered page p50 {BenchProgram.Percentile(filtered.Ms, 50):0.00} ms, p99 {BenchProgram.Percentile(filtered.Ms, 99):0.00} ms, {filtered.Rows / (double)TimedQueries:0.0} rows a page");
            var search = await TimeAsync(log, Search, cancellationToken);
            BenchProgram.Progress($"interest-feed: search p50 {BenchProgram.Percentile(search.Ms, 50):0.00} ms, p99 {BenchProgram.Percentile(search.Ms, 99):0.00} ms, {search.Rows / (double)TimedQueries:0.0} rows a page");
            var plain = await TimeAsync(log, _ => new InterestFilter(), cancellationToken, page: 20);
            BenchProgram.Progress($"interest-feed: unfiltered page 20 p50 {BenchProgram.Percentile(plain.Ms, 50):0.00} ms, p99 {BenchProgram.Percentile(plain.Ms, 99):0.00} ms");

            var line = new JsonObject
            {
                ["scenario"] = "interest-feed",
                ["store"] = store,
                ["records"] = options.Records,
                ["writes_per_sec"] = BenchProgram.Round(writesPerSecond, 0),
                ["filtered_page_p50_ms"] = BenchProgram.Round(BenchProgram.Percentile(filtered.Ms, 50), 2),
                ["filtered_page_p99_ms"] = BenchProgram.Round(BenchProgram.Percentile(filtered.Ms, 99), 2),
                ["search_p50_ms"] = BenchProgram.Round(BenchProgram.Percentile(search.Ms, 50), 2),
                ["search_p99_ms"] = BenchProgram.Round(BenchProgram.Percentile(search.Ms, 99), 2),
                ["unfiltered_page20_p50_ms"] = BenchProgram.Round(BenchProgram.Percentile(plain.Ms, 50), 2),
                ["queries"] = TimedQueries,
                ["page_size"] = 50,
            };
            Console.Out.WriteLine(line.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            return 0;
        }
        finally
        {
            if (garnet is not null)
            {
                await garnet.DisposeAsync();
                Directory.Delete(garnetDir!, recursive: true);
            }

            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static async Task<(double[] Ms, long Rows)> TimeAsync(InterestLog log, Func<int, InterestFilter> filter, CancellationToken cancellationToken, int page = 1)
    {
        for (var i = 0; i < WarmUpQueries; i++)
        {
            await log.QueryAsync(new InterestQuery(filter(i), page, 50), cancellationToken);
        }

        var ms = new double[TimedQueries];
        var rows = 0L;
        for (var i = 0; i < TimedQueries; i++)
        {
            var query = new InterestQuery(filter(i), page, 50);
            var start = Stopwatch.GetTimestamp();
            var result = await log.QueryAsync(query, cancellationToken);
            ms[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            rows += result.Items.Count;
        }

        Array.Sort(ms);
        return (ms, rows);
    }

    private static InterestRecord Record(int i, string run, DateTimeOffset now, Random random, string[] vocabulary, string[] products, string[] agents)
    {
        var source = Sources[random.Next(Sources.Length)];
        var inbound = random.NextDouble() < 0.7;
        var processed = !inbound || random.NextDouble() < 0.5;
        var words = Enumerable.Range(0, 6 + random.Next(10)).Select(_ => vocabulary[Zipf(random, vocabulary.Length)]);
        var conversation = $"{source}:bench-{run}-{random.Next(20_000)}";
        return new InterestRecord
        {
            Id = InterestLog.RecordId(inbound ? "in" : "out", conversation, $"{run}-{i}"),
            Date = now.AddSeconds(-random.Next(90 * 24 * 3600)),
            SourceType = source,
            SourceLink = $"https://example.invalid/{source}/{i}",
            Author = new InterestAuthor($"user-{random.Next(30_000)}", inbound ? vocabulary[random.Next(vocabulary.Length)] + " " + vocabulary[random.Next(vocabulary.Length)] : "Bot", null, null),
            Action = inbound ? Actions[random.Next(Actions.Length)] : "message",
            Direction = inbound ? "in" : "out",
            Text = string.Join(' ', words),
            Product = random.NextDouble() < 0.6 ? products[random.Next(products.Length)] : null,
            ConversationId = conversation,
            Responsible = inbound && random.NextDouble() < 0.4 ? agents[random.Next(agents.Length)] : "bot",
            Processed = processed,
            ProcessedAt = processed ? now : null,
            ProcessedBy = processed ? "bot" : null,
            EventId = $"{run}-{i}",
        };
    }

    /// <summary>A few words are common, most are rare, as in real text.</summary>
    private static int Zipf(Random random, int count) => (int)(count * Math.Pow(random.NextDouble(), 3));

    /// <summary>3000 made-up words: two thirds Latin, one third Cyrillic.</summary>
    private static string[] Vocabulary(Random random)
    {
        string[] latin = ["ka", "lo", "mi", "ne", "ro", "sa", "ti", "vu", "de", "an", "or", "el", "bri", "sto", "qua"];
        string[] cyrillic = ["ка", "ло", "ми", "не", "ро", "са", "ти", "ву", "де", "ан", "ор", "ёл", "бри", "сто", "жу"];
        var words = new HashSet<string>();
        while (words.Count < 3000)
        {
            var syllables = words.Count % 3 == 2 ? cyrillic : latin;
            words.Add(string.Concat(Enumerable.Range(0, 2 + random.Next(3)).Select(_ => syllables[random.Next(syllables.Length)])));
        }

        return [.. words];
    }
}
