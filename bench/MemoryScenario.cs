using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using StackExchange.Redis;
using SupportBot.Chaos;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.Memory;

namespace SupportBot.Benchmarks;

/// <summary>
/// <c>bench -- memory --conversations 100000</c>: what a conversation costs at rest. First intake conversations on
/// the website chat and Telegram, each measured in Redis (<see cref="ConversationStateSize"/>); then the
/// conversations, half on each channel, through the host as its own process; then the host's resident memory.
/// </summary>
internal static class MemoryScenario
{
    private const int IntakeSamplesPerChannel = 50;

    private static readonly string[] Intake = ["Please call me back", "Alice", "Returns", "alice@example.com", "yes"];

    private static readonly string[] Questions =
        ["How long does delivery take?", "How much is shipping?", "Which payment methods do you accept?", "Where is my order?", "What are your opening hours?"];

    public static async Task<int> RunAsync(BenchArgs options, CancellationToken cancellationToken)
    {
        BenchProgram.Progress($"memory: starting redis-server ({BenchProgram.LoadAverage()})");
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var telegramApi = new TelegramApiStandIn { KeepCalls = false };
        await telegramApi.StartAsync();
        var inbox = new TelegramInbox(telegramApi);
        var workDir = Directory.CreateTempSubdirectory("sb-memory-").FullName;
        try
        {
            await using var hosts = new ChaosHosts(workDir, redis.ConnectionString, telegramApi.BaseUrl,
                options.SettingsAsEnvironment());
            await hosts.StartAsync(cancellationToken);
            using var http = ChaosHttp.CreateClient(hosts.BaseAddress);
            await using var client = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
            var pid = hosts.Current.ProcessId;
            BenchProgram.Progress($"memory: host pid {pid} ready, RSS {Rss(pid).Current:0.0} MB");

            // 1. Intake conversations, waited for answer by answer, then measured at rest.
            var samples = Enumerable.Range(0, 2 * IntakeSamplesPerChannel).Select(n => Conversation(n, Intake)).ToList();
            await new ChaosCustomers(http, inbox, active: 16, TimeSpan.FromSeconds(60)).RunAsync(samples, cancellationToken);
            await SettleAsync(client, cancellationToken);
            var sizes = new List<long>();
            var byKind = new Dictionary<string, List<long>>(StringComparer.Ordinal);
            foreach (var sample in samples.Where(s => s.Sent.Count == Intake.Length))
            {
                var keys = await ConversationStateSize.MeasureAsync(client, sample.ConversationId);
                sizes.Add(keys.Sum(k => k.Bytes));
                foreach (var (key, bytes) in keys)
                {
                    var kind = $"{sample.Channel}: {ConversationStateSize.Kind(key, sample.ConversationId)}";
                    (byKind.TryGetValue(kind, out var list) ? list : byKind[kind] = []).Add(bytes);
                }
            }

            if (sizes.Count == 0)
            {
                throw new InvalidOperationException("no intake conversation finished; nothing to measure");
            }

            foreach (var (kind, bytes) in byKind.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                BenchProgram.Progress($"memory: state key {kind}: {bytes.Average():0} bytes on average, in {bytes.Count} conversations");
            }

            BenchProgram.Progress($"memory: {sizes.Count} intake conversations at rest: state {sizes.Average():0} bytes on average, {sizes.Max()} at most");

            // 2. The conversations: one question each, half on the website chat, half on Telegram; sent without waiting.
            var wall = Stopwatch.StartNew();
            var bulk = Enumerable.Range(samples.Count, options.Conversations).Select(n => Conversation(n, [Questions[n % Questions.Length]])).ToList();
            var run = new ChaosCustomers(http, inbox, active: 64, TimeSpan.FromSeconds(120), waitForReplies: false).RunAsync(bulk, cancellationToken);
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(10), cancellationToken));
                BenchProgram.Progress($"memory: {bulk.Count(c => c.Finished)}/{bulk.Count} conversations sent, host RSS {Rss(pid).Current:0.0} MB");
            }

            await run;
            await SettleAsync(client, cancellationToken);
            var failed = bulk.Count(c => c.Sent.Count == 0);
            BenchProgram.Progress($"memory: {bulk.Count - failed} conversations done in {wall.Elapsed.TotalSeconds:0} s ({failed} failed); letting the host idle 10 s");
            await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
            var rss = Rss(pid);
            var info = await client.GetServer(redis.ConnectionString).InfoAsync("memory");
            var redisUsed = long.Parse(info.SelectMany(g => g).First(p => p.Key == "used_memory").Value, CultureInfo.InvariantCulture);

            Console.Out.WriteLine(new JsonObject
            {
                ["scenario"] = "memory",
                ["state_bytes_per_conversation"] = Math.Round(sizes.Average()),
                ["state_bytes_max"] = sizes.Max(),
                ["rss_mb"] = Math.Round(rss.Current, 1),
                ["rss_peak_mb"] = Math.Round(rss.Peak, 1),
                ["conversations"] = bulk.Count - failed,
                ["redis_used_mb"] = Math.Round(redisUsed / 1048576.0, 1),
                ["seconds"] = Math.Round(wall.Elapsed.TotalSeconds, 1),
            }.ToJsonString());
            BenchProgram.Progress($"memory: done ({BenchProgram.LoadAverage()})");
            return failed == 0 && hosts.Current.ProcessId == pid ? 0 : 1;
        }
        finally
        {
            try
            {
                Directory.Delete(workDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static ChaosConversation Conversation(int number, IReadOnlyList<string> texts) => new()
    {
        Number = number,
        Channel = number % 2 == 0 ? ChaosChannel.WebChat : ChaosChannel.Telegram,
        Questions = texts,
        ChatId = 6_000_000_000L + number,
    };

    /// <summary>Waits until no conversation has work left in the pipeline.</summary>
    private static async Task SettleAsync(IConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var deadline = DateTime.UtcNow.AddMinutes(30);
        while (await db.SortedSetLengthAsync("pipeline:pending") > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500, cancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken); // the last sends and their records
    }

    /// <summary>VmRSS and VmHWM of a process, in MB (Linux).</summary>
    private static (double Current, double Peak) Rss(int pid)
    {
        double current = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                current = Kilobytes(line) / 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) / 1024;
            }
        }

        return (current, peak);

        static double Kilobytes(string line) => double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
