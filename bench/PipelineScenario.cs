using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace SupportBot.Benchmarks;

/// <summary>
/// <c>pipeline</c>: Telegram webhooks and Direct Line posts at rising open-loop rates against the
/// whole host, until the 99th percentile reaches 50 ms or a backlog builds; then the best rate is
/// held for <c>--seconds</c>. A message counts once its reply has reached the channel: the Telegram
/// stand-in received the sendMessage, or the Direct Line reply arrived on the conversation's stream.
/// </summary>
internal static class PipelineScenario
{
    private const double P99TargetMs = 50;
    private const double RateStep = 1.2;
    private const int TelegramPercent = 70;
    private const string BotName = "bench";
    // Four bots (brands): each is held to 1,000 sends/s, the most the host's limiter allows one bot.
    private const int Bots = 4;
    private const string WebhookSecret = "bench-webhook-secret-0123456789";
    private const long FirstChatId = 500_000_000;
    private static readonly TimeSpan DrainWait = TimeSpan.FromSeconds(2);

    // FAQ questions the demo bot answers with one message each, none asking for a person.
    private static readonly string[] Questions = WebChatScenario.Questions;

    public static async Task<int> RunAsync(BenchArgs options, CancellationToken cancellationToken)
    {
        var chats = options.Conversations;
        var directLineConversations = Math.Max(1, chats / 5);
        Progress($"starting redis-server ({Environment.ProcessorCount} cores, {BenchProgram.LoadAverage()})");
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var telegram = new TelegramStandIn();
        await telegram.StartAsync();
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            // The stand-in has no limits; Telegram's own (30/s a bot) would measure the limiter's queue, not the pipeline.
            ["Channels:Telegram:PerBotPerSecond"] = "1000",
            ["Channels:Telegram:PerChatPerSecond"] = "10",
        };
        for (var b = 0; b < Bots; b++)
        {
            var prefix = $"Channels:Telegram:Bots:{b}:";
            settings[prefix + "Name"] = BotName + b;
            settings[prefix + "Token"] = $"12345678{b}:bench-token-for-the-local-stand-in";
            settings[prefix + "Mode"] = "webhook";
            settings[prefix + "WebhookUrl"] = $"https://bench.invalid/api/channels/telegram/{BotName}{b}";
            settings[prefix + "WebhookSecret"] = WebhookSecret;
            settings[prefix + "ApiBaseUrl"] = telegram.BaseUrl;
        }
        foreach (var (key, value) in options.Settings)
        {
            settings[key] = value;
        }

        await using var host = new BenchHost(redis.ConnectionString, settings);
        host.Start();
        Progress($"host on {host.BaseAddress}, Telegram stand-in on {telegram.BaseUrl}, redis-server on {redis.ConnectionString}");

        var scenario = new WebChatScenario(host.BaseAddress, TimeSpan.FromSeconds(options.TimeoutSeconds));
        using var http = scenario.CreateClient();

        Progress("baseline: warming up /bench/echo");
        await WebChatScenario.RunEchoAsync(http, 128, TimeSpan.FromSeconds(1), cancellationToken);
        var beforeEcho = await ResourceSnapshot.TakeAsync(redis);
        var (baselineRps, echoRequests, echoFailed) = await WebChatScenario.RunEchoAsync(http, 128, TimeSpan.FromSeconds(options.BaselineSeconds), cancellationToken);
        var echoCost = await ResourceSnapshot.TakeAsync(redis) - beforeEcho;
        Progress($"baseline: {echoRequests} requests, {echoFailed} failed, {baselineRps:0} req/s, " +
            $"{echoCost.ProcessCpu.TotalMicroseconds / Math.Max(1, echoRequests):0} µs CPU per request ({BenchProgram.LoadAverage()})");

        var mux = host.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>();
        var load = new Load(http, telegram, chats, TimeSpan.FromSeconds(options.TimeoutSeconds), () => mux.GetCounters().Interactive.OperationCount, cancellationToken);
        Progress($"opening {directLineConversations} Direct Line conversations and greeting {chats} Telegram chats (not timed)");
        var setup = Stopwatch.StartNew();
        await load.OpenAsync(scenario, directLineConversations);
        Progress($"ready in {setup.Elapsed.TotalSeconds:0.0} s ({BenchProgram.LoadAverage()})");
        try
        {
            Step? lastGood = null;
            Step? lastSustained = null;
            if (options.Rate is null)
            {
                // Climb while every message is answered without a backlog building; p99 decides which rates count.
                double rate = options.StartRate;
                while (!cancellationToken.IsCancellationRequested)
                {
                    var step = await load.RunStepAsync(rate, TimeSpan.FromSeconds(options.StepSeconds), redis);
                    Progress("step " + step.Describe());
                    if (!step.Sustained)
                    {
                        break;
                    }

                    lastSustained = step;
                    if (step.Good)
                    {
                        lastGood = step;
                    }

                    rate = Math.Round(rate * RateStep);
                }

                await load.QuiesceAsync(TimeSpan.FromSeconds(60));
                if (lastGood is null)
                {
                    Progress($"no step held p99 under {P99TargetMs} ms (the highest rate answered without a backlog: {lastSustained?.Rate ?? 0} messages/s)");
                }
            }

            Step? held = null;
            Step? last = null;
            if (options.Rate is not null || lastGood is not null)
            {
                var holdRate = options.Rate ?? lastGood!.Rate;
                for (var attempt = 0; attempt < 3; attempt++)
                {
                    last = await load.RunStepAsync(holdRate, TimeSpan.FromSeconds(options.Seconds), redis);
                    Progress("hold " + last.Describe());
                    Progress("hold " + last.Cost!);
                    if (last.Good || options.Rate is not null)
                    {
                        held = last;
                        break;
                    }

                    await load.QuiesceAsync(TimeSpan.FromSeconds(60));
                    holdRate = Math.Round(holdRate * 0.9);
                }
            }

            // Costs from the held run; without one, from the last run at all, else the fastest step without a backlog.
            var measured = held ?? last ?? lastSustained;
            var line = new JsonObject
            {
                ["scenario"] = "pipeline",
                ["max_msgs_per_sec"] = held is { Good: true } ? BenchProgram.Round(held.AchievedRate, 0) : 0,
                ["p99_ms"] = BenchProgram.Round((held ?? last)?.P99Ms ?? double.NaN, 2),
                ["baseline_rps"] = BenchProgram.Round(baselineRps, 0),
                ["ratio"] = held is { Good: true } ? BenchProgram.Round(held.AchievedRate / baselineRps, 3) : 0,
                ["p50_ms"] = BenchProgram.Round((held ?? last)?.P50Ms ?? double.NaN, 2),
                ["held_seconds"] = options.Seconds,
                ["capacity_msgs_per_sec"] = BenchProgram.Round(lastSustained?.AchievedRate ?? double.NaN, 0),
                ["capacity_p99_ms"] = BenchProgram.Round(lastSustained?.P99Ms ?? double.NaN, 2),
                ["telegram_chats"] = chats,
                ["directline_conversations"] = directLineConversations,
                ["cost_measured_at_msgs_per_sec"] = BenchProgram.Round(measured?.Rate ?? double.NaN, 0),
                ["cpu_us_per_msg"] = BenchProgram.Round(measured?.Cost?.ProcessCpuMicrosPerMessage ?? double.NaN, 0),
                ["redis_cpu_us_per_msg"] = BenchProgram.Round(measured?.Cost?.RedisCpuMicrosPerMessage ?? double.NaN, 0),
                ["redis_cmds_per_msg"] = BenchProgram.Round(measured?.Cost?.RedisCommandsPerMessage ?? double.NaN, 1),
                ["redis_calls_per_msg"] = BenchProgram.Round(measured?.Cost?.RedisCallsPerMessage ?? double.NaN, 1),
                ["alloc_kb_per_msg"] = BenchProgram.Round(measured?.Cost?.AllocatedKbPerMessage ?? double.NaN, 1),
                ["echo_cpu_us_per_req"] = BenchProgram.Round(echoCost.ProcessCpu.TotalMicroseconds / Math.Max(1, echoRequests), 0),
                ["load_average"] = BenchProgram.LoadAverage().Replace("load average ", "", StringComparison.Ordinal),
                ["failed"] = load.Failed + (int)echoFailed,
            };
            if (options.Rate is not null)
            {
                line["fixed_rate"] = options.Rate;
            }

            if (options.Settings.Count > 0)
            {
                line["settings"] = new JsonObject([.. options.Settings.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))]);
            }

            Console.Out.WriteLine(line.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            if (load.FirstError is not null)
            {
                Progress("first failure: " + load.FirstError);
            }

            Progress($"stopping ({BenchProgram.LoadAverage()})");
            return load.Failed == 0 && echoFailed == 0 && held is not null ? 0 : 1;
        }
        finally
        {
            await load.DisposeAsync();
        }
    }

    private static void Progress(string message) => BenchProgram.Progress("pipeline: " + message);

    /// <summary>One message in flight: when it was due to be posted and, once its reply reached the channel, its latency.</summary>
    private sealed class Sample(long scheduledAt, int replies)
    {
        public long ScheduledAt { get; } = scheduledAt;

        /// <summary>Replies still to come (a first message also gets the greeting).</summary>
        public int RepliesLeft = replies;

        public double LatencyMs = double.NaN;

        public bool Done => !double.IsNaN(Volatile.Read(ref LatencyMs));
    }

    /// <summary>What one CPU-and-Redis snapshot pair says per message.</summary>
    /// <param name="RedisCallsPerMessage">Operations the host's Redis client sent (a script is one, whatever it runs inside).</param>
    internal sealed record Cost(
        double ProcessCpuMicrosPerMessage, double RedisCpuMicrosPerMessage, double RedisCommandsPerMessage, double RedisCallsPerMessage,
        double AllocatedKbPerMessage, int Gen0, int Gen1, int Gen2, string Commands)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"cost per message: {ProcessCpuMicrosPerMessage:0} µs CPU of bench+host, {RedisCpuMicrosPerMessage:0} µs of redis-server, " +
            $"{RedisCallsPerMessage:0.0} Redis calls from the host running {RedisCommandsPerMessage:0.0} commands ({Commands}), " +
            $"{AllocatedKbPerMessage:0.0} KB allocated; GCs {Gen0}/{Gen1}/{Gen2}");
    }

    private sealed record Step(double Rate, double Seconds, int Messages, int Completed, double AchievedRate, double P50Ms, double P99Ms, double MaxMs, int BacklogAtEnd, int MaxBacklog, Cost? Cost)
    {
        /// <summary>Every message answered, and no more than 100 ms worth of messages outstanding at the end (no backlog building).</summary>
        public bool Sustained => Completed == Messages && BacklogAtEnd <= Math.Max(10, Rate * 0.1);

        /// <summary>Held: sustained, with p99 under the target.</summary>
        public bool Good => Sustained && P99Ms < P99TargetMs;

        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"{Rate:0} msg/s for {Seconds:0.#} s: {Messages} sent, {Completed} answered ({AchievedRate:0}/s), p50 {P50Ms:0.0} ms, p99 {P99Ms:0.0} ms, " +
            $"max {MaxMs:0.0} ms, backlog at end {BacklogAtEnd} (max {MaxBacklog}) → {(Good ? "held" : Sustained ? "no backlog, p99 too high" : "not held")} ({BenchProgram.LoadAverage()})");
    }

    /// <summary>The open-loop load: Telegram chats and Direct Line sessions, messages scheduled at a fixed rate.</summary>
    private sealed class Load(HttpClient http, TelegramStandIn telegram, int chats, TimeSpan timeout, Func<long> redisCalls, CancellationToken cancellationToken) : IAsyncDisposable
    {
        private readonly Queue<Sample>[] _pending = [.. Enumerable.Range(0, chats).Select(_ => new Queue<Sample>())];
        private readonly int[] _telegramMessageIds = new int[chats];
        private ChatSession[] _sessions = [];
        private int _updateId;
        private long _sent;
        private int _failed;
        private string? _firstError;

        public int Failed => Volatile.Read(ref _failed);

        public string? FirstError => _firstError;

        /// <summary>Opens the Direct Line sessions, and has every chat and session greeted and asked once (also the JIT's warm-up).</summary>
        public async Task OpenAsync(WebChatScenario scenario, int directLineConversations)
        {
            telegram.MessageSent = OnTelegramMessage;
            _sessions = await OpenInBatchesAsync(scenario, directLineConversations);
            using var gate = new SemaphoreSlim(64);
            var first = Enumerable.Range(0, chats).Select(async chat =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    var sample = new Sample(Stopwatch.GetTimestamp(), replies: 2);
                    await PostTelegramAsync(chat, Questions[chat % Questions.Length], sample);
                    await WaitDoneAsync([sample], timeout);
                    if (!sample.Done)
                    {
                        Fail($"no answer in Telegram chat {FirstChatId + chat} within {timeout.TotalSeconds} s");
                    }
                }
                finally
                {
                    gate.Release();
                }
            });
            var asked = _sessions.Select(async (session, i) =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    await session.TurnAsync(Questions[i % Questions.Length], timeout, cancellationToken);
                }
                finally
                {
                    gate.Release();
                }
            });
            await Task.WhenAll(first.Concat(asked));
            if (Failed > 0)
            {
                throw new InvalidOperationException("Warm-up failed: " + _firstError);
            }
        }

        private async Task<ChatSession[]> OpenInBatchesAsync(WebChatScenario scenario, int count)
        {
            var sessions = new List<ChatSession>(count);
            for (var opened = 0; opened < count; opened += 100)
            {
                sessions.AddRange(await scenario.OpenSessionsAsync(http, Math.Min(100, count - opened), cancellationToken));
            }

            return [.. sessions];
        }

        /// <summary>Sends at <paramref name="rate"/> for <paramref name="duration"/>, then waits a little for the last replies.</summary>
        public async Task<Step> RunStepAsync(double rate, TimeSpan duration, RedisServer? measureCost)
        {
            var total = (int)(rate * duration.TotalSeconds);
            var samples = new Sample[total];
            var before = measureCost is null ? null : await ResourceSnapshot.TakeAsync(measureCost);
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var callsBefore = redisCalls();
            var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var backlogs = new List<int>();
            var start = Stopwatch.GetTimestamp();
            var ticksPerMessage = Stopwatch.Frequency / rate;
            var generator = new Thread(() =>
            {
                var next = 0;
                while (next < total && !cancellationToken.IsCancellationRequested)
                {
                    var now = Stopwatch.GetTimestamp();
                    var due = Math.Min(total, (int)((now - start) / ticksPerMessage) + 1);
                    for (; next < due; next++)
                    {
                        var scheduled = start + (long)(next * ticksPerMessage);
                        samples[next] = Send(scheduled);
                    }

                    Thread.Sleep(1);
                }
            })
            { IsBackground = true, Name = "bench load" };
            generator.Start();
            var sampleEvery = TimeSpan.FromMilliseconds(250);
            while (generator.IsAlive)
            {
                await Task.Delay(sampleEvery, cancellationToken);
                backlogs.Add(Outstanding(samples));
            }

            var sendEnd = Stopwatch.GetTimestamp();
            var backlogAtEnd = Outstanding(samples);
            await WaitDoneAsync(samples, DrainWait);
            var wall = Stopwatch.GetElapsedTime(start, sendEnd).TotalSeconds;
            Cost? cost = null;
            var completed = samples.Count(s => s is { Done: true });
            if (measureCost is not null)
            {
                var used = await ResourceSnapshot.TakeAsync(measureCost) - before!;
                var n = Math.Max(1, completed);
                var commands = used.RedisCalls.Values.Sum();
                var top = string.Join(", ", used.RedisCalls.Where(c => c.Value > 0).OrderByDescending(c => c.Value).Take(12)
                    .Select(c => $"{c.Key} {((double)c.Value / n).ToString("0.0", CultureInfo.InvariantCulture)}"));
                cost = new Cost(
                    used.ProcessCpu.TotalMicroseconds / n, used.RedisCpu.TotalMicroseconds / n, (double)commands / n, (double)(redisCalls() - callsBefore) / n,
                    (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1024.0 / n,
                    GC.CollectionCount(0) - gcBefore.Item1, GC.CollectionCount(1) - gcBefore.Item2, GC.CollectionCount(2) - gcBefore.Item3, top);
            }

            var latencies = samples.Select(s => s is { Done: true } ? s.LatencyMs : double.PositiveInfinity).ToArray();
            Array.Sort(latencies);
            return new Step(rate, duration.TotalSeconds, total, completed, completed / Math.Max(wall, 0.001),
                BenchProgram.Percentile(latencies, 50), BenchProgram.Percentile(latencies, 99), latencies.LastOrDefault(),
                backlogAtEnd, backlogs.Count == 0 ? backlogAtEnd : Math.Max(backlogAtEnd, backlogs.Max()), cost);
        }

        /// <summary>Waits until nothing sent is still unanswered (a failed step leaves a queue behind), so the next run starts clean.</summary>
        public async Task QuiesceAsync(TimeSpan atMost)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(atMost.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < deadline)
            {
                int waiting;
                lock (_pending)
                {
                    waiting = 0;
                    foreach (var queue in _pending)
                    {
                        lock (queue)
                        {
                            waiting += queue.Count;
                        }
                    }
                }

                if (waiting == 0 && Volatile.Read(ref _directLineInFlight) == 0)
                {
                    return;
                }

                await Task.Delay(100, cancellationToken);
            }
        }

        private int _directLineInFlight;

        /// <summary>70 % to Telegram chats, 30 % to Direct Line conversations, each in turn.</summary>
        private Sample Send(long scheduledAt)
        {
            var n = Interlocked.Increment(ref _sent) - 1;
            var sample = new Sample(scheduledAt, replies: 1);
            var telegramSlot = n % 100 < TelegramPercent;
            var round = n / 100;
            var inRound = n % 100;
            if (telegramSlot)
            {
                var chat = (int)(((round * TelegramPercent) + inRound) % chats);
                ThreadPool.UnsafeQueueUserWorkItem(_ => _ = PostTelegramAsync(chat, Questions[(int)(n % Questions.Length)], sample), null);
            }
            else
            {
                var session = _sessions[(int)(((round * (100 - TelegramPercent)) + (inRound - TelegramPercent)) % _sessions.Length)];
                ThreadPool.UnsafeQueueUserWorkItem(_ => _ = PostDirectLineAsync(session, Questions[(int)(n % Questions.Length)], sample), null);
            }

            return sample;
        }

        private async Task PostTelegramAsync(int chat, string text, Sample sample)
        {
            var chatId = FirstChatId + chat;
            int messageId;
            var queue = _pending[chat];
            lock (queue)
            {
                messageId = ++_telegramMessageIds[chat];
                queue.Enqueue(sample); // before the post: the reply may come before the 200 does
            }

            var update = string.Create(CultureInfo.InvariantCulture,
                $$$"""{"update_id":{{{Interlocked.Increment(ref _updateId)}}},"message":{"message_id":{{{messageId}}},"date":{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}},"chat":{"id":{{{chatId}}},"type":"private","first_name":"Customer"},"from":{"id":{{{chatId}}},"is_bot":false,"first_name":"Customer","language_code":"en"},"text":"{{{text}}}"}}""");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/channels/telegram/" + BotName + (chat % Bots).ToString(CultureInfo.InvariantCulture))
            {
                Content = new StringContent(update, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", WebhookSecret);
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Fail($"webhook answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Fail("webhook: " + e.Message);
            }
        }

        /// <summary>A sendMessage reached the stand-in: the oldest unanswered message of that chat is answered (replies keep the order).</summary>
        private void OnTelegramMessage(long chatId, long arrived)
        {
            var chat = chatId - FirstChatId;
            if (chat < 0 || chat >= chats)
            {
                Fail($"sendMessage to unknown chat {chatId}");
                return;
            }

            var queue = _pending[chat];
            lock (queue)
            {
                if (!queue.TryPeek(out var sample))
                {
                    Fail($"an extra reply in chat {chatId}");
                    return;
                }

                if (--sample.RepliesLeft > 0)
                {
                    return;
                }

                queue.Dequeue();
                Volatile.Write(ref sample.LatencyMs, Stopwatch.GetElapsedTime(sample.ScheduledAt, arrived).TotalMilliseconds);
            }
        }

        private async Task PostDirectLineAsync(ChatSession session, string text, Sample sample)
        {
            Interlocked.Increment(ref _directLineInFlight);
            try
            {
                var latency = await session.TurnAsync(text, timeout, cancellationToken, sample.ScheduledAt);
                Volatile.Write(ref sample.LatencyMs, latency);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                Fail("Direct Line: " + e.Message);
            }
            finally
            {
                Interlocked.Decrement(ref _directLineInFlight);
            }
        }

        private void Fail(string error)
        {
            Interlocked.Increment(ref _failed);
            Interlocked.CompareExchange(ref _firstError, error, null);
        }

        private static int Outstanding(Sample[] samples)
        {
            var outstanding = 0;
            foreach (var sample in samples)
            {
                if (sample is { Done: false })
                {
                    outstanding++;
                }
            }

            return outstanding;
        }

        private async Task WaitDoneAsync(IReadOnlyList<Sample?> samples, TimeSpan atMost)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(atMost.TotalSeconds * Stopwatch.Frequency);
            while (samples.Any(s => s is { Done: false }) && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(5, cancellationToken);
            }
        }

        public async ValueTask DisposeAsync()
        {
            telegram.MessageSent = null;
            await WebChatScenario.DisposeAllAsync(_sessions);
        }
    }
}
