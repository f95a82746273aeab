using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using StackExchange.Redis;
using SupportBot.Contracts;
using SupportBot.Dialogs.Engine;
using SupportBot.Dialogs.Prompts;

namespace SupportBot.Benchmarks;

/// <summary>
/// <c>dialogs --conversations 2000 --store memory|redis [--redis host:port]</c>: the support-intake
/// waterfall (name, topic, confirmation) driven round-robin over C conversations, one turn in flight,
/// every turn loading and saving its conversation's state through the store; every reply checked.
/// </summary>
internal static class DialogsScenario
{
    private const int WarmUpConversations = 200;
    private static readonly string[] Messages = ["hi", "Alice", "Returns", "yes"];
    private static readonly string[] Expected =
    [
        "What is your name?",
        "What can I help with?",
        "Shall I open a request about Returns for Alice?",
        "Done: request for Alice about Returns (confirmed=true)",
    ];

    public static async Task<int> RunAsync(BenchArgs options, CancellationToken cancellationToken)
    {
        var dialogs = IntakeDialog.CreateSet();
        var runner = new DialogRunner(dialogs, IntakeDialog.DialogId);
        RedisServer? server = null;
        ConnectionMultiplexer? redis = null;
        try
        {
            IDialogStateStore store;
            if (options.Store == "redis")
            {
                var connection = options.Redis;
                if (connection is null)
                {
                    server = await RedisServer.StartAsync(cancellationToken);
                    connection = server.ConnectionString;
                    BenchProgram.Progress($"redis-server pid {server.ProcessId} on {connection}");
                }

                redis = await ConnectionMultiplexer.ConnectAsync(connection);
                store = new RedisDialogStateStore(redis.GetDatabase(), nearCacheCapacity: options.NearCache ? 100_000 : 0);
                var db = redis.GetDatabase();
                for (var i = 0; i < 2000; i++)
                {
                    await db.PingAsync();
                }

                var pingStart = Stopwatch.GetTimestamp();
                for (var i = 0; i < 5000; i++)
                {
                    await db.PingAsync();
                }

                BenchProgram.Progress($"redis: sequential PING round trip {Stopwatch.GetElapsedTime(pingStart).TotalMilliseconds / 5000 * 1000:0} µs");
            }
            else
            {
                store = new InMemoryDialogStateStore();
            }

            var runId = Guid.NewGuid().ToString("N")[..8];
            BenchProgram.Progress($"dialogs: store {options.Store}{(options.NearCache ? " with near cache" : "")}, {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}; warm-up {WarmUpConversations} conversations");
            var warmUp = await DriveAsync(runner, store, Activities($"bench-{runId}-warm", WarmUpConversations), cancellationToken);
            if (warmUp.Wrong > 0)
            {
                BenchProgram.Progress("warm-up: wrong reply: " + warmUp.FirstWrong);
            }

            var activities = Activities($"bench-{runId}", options.Conversations);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            BenchProgram.Progress($"dialogs: {options.Conversations} conversations × {Messages.Length} turns");
            var pauseBefore = GC.GetTotalPauseDuration();
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var run = await DriveAsync(runner, store, activities, cancellationToken);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var pause = GC.GetTotalPauseDuration() - pauseBefore;
            Array.Sort(run.LatenciesMs);
            var p50 = BenchProgram.Percentile(run.LatenciesMs, 50);
            var p99 = BenchProgram.Percentile(run.LatenciesMs, 99);
            using var self = Process.GetCurrentProcess();
            var rss = self.WorkingSet64 / (1024.0 * 1024.0);
            BenchProgram.Progress($"dialogs: {run.LatenciesMs.Length} turns in {run.Seconds:0.000} s, {run.Wrong} wrong; p50 {p50:0.000} ms, p90 {BenchProgram.Percentile(run.LatenciesMs, 90):0.000} ms, " +
                $"p99 {p99:0.000} ms, max {run.LatenciesMs[^1]:0.000} ms; gen0/1/2 collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
            double slowSum = 0;
            var slow = 0;
            foreach (var latency in run.LatenciesMs)
            {
                if (latency > 1)
                {
                    slow++;
                    slowSum += latency;
                }
            }

            BenchProgram.Progress($"dialogs: {slow} turns over 1 ms, {slowSum:0.0} ms in all; sum of all turns {run.LatenciesMs.Sum():0.0} ms; " +
                $"allocated {allocated / run.LatenciesMs.Length} B per turn, GC pauses {pause.TotalMilliseconds:0.0} ms; {BenchProgram.LoadAverage()}");
            if (run.FirstWrong is not null)
            {
                BenchProgram.Progress("first wrong reply: " + run.FirstWrong);
            }

            if (server is not null)
            {
                var calls = await server.CommandCallsAsync();
                BenchProgram.Progress("redis commands: " + string.Join(", ", calls.Where(c => c.Value > 0).Select(c => $"{c.Key} {c.Value}")));
            }

            var line = new JsonObject
            {
                ["engine"] = "ours",
                ["scenario"] = "support-intake",
                ["conversations"] = options.Conversations,
                ["turns"] = run.LatenciesMs.Length,
                ["seconds"] = BenchProgram.Round(run.Seconds, 3),
                ["turns_per_sec"] = BenchProgram.Round(run.LatenciesMs.Length / run.Seconds, 0),
                ["p50_ms"] = BenchProgram.Round(p50, 3),
                ["p99_ms"] = BenchProgram.Round(p99, 3),
                ["rss_mb"] = BenchProgram.Round(rss, 1),
                ["store"] = options.Store + (options.NearCache ? "-near-cache" : ""),
            };
            Console.Out.WriteLine(line.ToJsonString());
            return run.Wrong == 0 && warmUp.Wrong == 0 ? 0 : 1;
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

    private static ChannelActivity[][] Activities(string prefix, int conversations)
    {
        var all = new ChannelActivity[conversations][];
        var from = new ChannelUser("bench-user");
        for (var c = 0; c < conversations; c++)
        {
            var id = prefix + "-" + c.ToString(System.Globalization.CultureInfo.InvariantCulture);
            all[c] = new ChannelActivity[Messages.Length];
            for (var m = 0; m < Messages.Length; m++)
            {
                all[c][m] = new ChannelActivity
                {
                    Channel = "bench",
                    ConversationId = id,
                    EventId = id + ":" + m.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    From = from,
                    Text = Messages[m],
                    Locale = "en-US",
                    Sequence = m + 1,
                };
            }
        }

        return all;
    }

    private sealed record Run(double[] LatenciesMs, double Seconds, int Wrong, string? FirstWrong);

    /// <summary>Turn 1 of every conversation, then turn 2 of every one, …; one turn in flight.</summary>
    private static async Task<Run> DriveAsync(DialogRunner runner, IDialogStateStore store, ChannelActivity[][] conversations, CancellationToken cancellationToken)
    {
        var latencies = new double[conversations.Length * Messages.Length];
        var wrong = 0;
        string? firstWrong = null;
        var n = 0;
        var started = Stopwatch.GetTimestamp();
        for (var m = 0; m < Messages.Length; m++)
        {
            for (var c = 0; c < conversations.Length; c++)
            {
                var before = Stopwatch.GetTimestamp();
                var result = await runner.RunAsync(conversations[c][m], store, cancellationToken);
                latencies[n++] = Stopwatch.GetElapsedTime(before).TotalMilliseconds;
                if (result.Replies.Count != 1 || !string.Equals(result.Replies[0].Text, Expected[m], StringComparison.Ordinal)
                    || result.Status != (m == Messages.Length - 1 ? DialogTurnStatus.Complete : DialogTurnStatus.Waiting))
                {
                    wrong++;
                    firstWrong ??= $"conversation {c} turn {m + 1}: status {result.Status}, replies [{string.Join(" | ", result.Replies.Select(r => r.Text))}], expected '{Expected[m]}'";
                }
            }
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new Run(latencies, seconds, wrong, firstWrong);
    }
}

/// <summary>The benchmark's dialog state: what the customer told us so far.</summary>
internal sealed class IntakeState
{
    [JsonPropertyName("n")]
    public string? Name { get; set; }

    [JsonPropertyName("t")]
    public string? Topic { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IntakeState))]
internal sealed partial class IntakeJsonContext : JsonSerializerContext;

/// <summary>Name (text) → topic (choice) → confirmation → done.</summary>
internal sealed class IntakeDialog : WaterfallDialog<IntakeState>
{
    public const string DialogId = "intake";

    private static readonly List<Choice> Topics = [new("Delivery"), new("Returns"), new("Talk to an agent")];

    public IntakeDialog()
        : base(DialogId, IntakeJsonContext.Default.IntakeState)
    {
        AddStep(static (step, ct) => step.PromptAsync("name", new PromptOptions { Prompt = "What is your name?" }, ct));
        AddStep(static (step, ct) =>
        {
            step.State.Name = step.Result<string>();
            return step.PromptAsync("topic", new PromptOptions { Prompt = "What can I help with?", Choices = Topics }, ct);
        });
        AddStep(static (step, ct) =>
        {
            step.State.Topic = step.Result<FoundChoice>().Value;
            return step.PromptAsync("confirm", new PromptOptions { Prompt = $"Shall I open a request about {step.State.Topic} for {step.State.Name}?" }, ct);
        });
        AddStep(static async (step, ct) =>
        {
            var confirmed = step.Result<bool>();
            await step.SendAsync($"Done: request for {step.State.Name} about {step.State.Topic} (confirmed={(confirmed ? "true" : "false")})", ct);
            return await step.EndDialogAsync(confirmed, ct);
        });
    }

    public static DialogSet CreateSet() => new DialogSet()
        .Add<IntakeDialog>()
        .Add(new TextPrompt("name"))
        .Add(new ChoicePrompt("topic"))
        .Add(new ConfirmPrompt("confirm"));
}
