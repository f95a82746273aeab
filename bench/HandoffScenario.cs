using System.Diagnostics;
using System.Text.Json.Nodes;
using StackExchange.Redis;
using SupportBot.Handoff;

namespace SupportBot.Benchmarks;

/// <summary>
/// <c>handoff --conversations 2000 --agents 50 [--in-flight 64] [--assign offer|claim] [--redis host:port]</c>:
/// whole handoff cycles through <see cref="HandoffStore"/>, many at once: escalate, give to an agent (automatic
/// offer to a precomputed agent, or the agent's claim), one agent message through the outbox, resolve. Afterwards
/// every conversation's events are checked: no chat with two agents in its cycle, none left unresolved.
/// </summary>
internal static class HandoffScenario
{
    private const int WarmUpCycles = 500;
    private const int Capacity = 8;
    private static readonly TimeSpan SetProbe = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan LongTime = TimeSpan.FromHours(1);

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
            var store = new HandoffStore(redis, TimeProvider.System);
            // Names unique to this run, so an existing Redis is not disturbed and no earlier run interferes.
            var run = Guid.NewGuid().ToString("N")[..8];
            var department = $"bench-{run}";
            var agents = Enumerable.Range(0, options.Agents).Select(i => $"bench-{run}-agent-{i}").ToArray();
            foreach (var agent in agents)
            {
                await store.SetPresenceAsync(agent, new PresenceUpdate(PresenceStatus.Online, Capacity, [department], null), [department], LongTime, LongTime);
            }

            var setRps = await MeasureSetsAsync(db, $"bench-{run}:set", cancellationToken);
            BenchProgram.Progress($"redis: {setRps:0} unpipelined sequential SETs/s ({1_000_000 / setRps:0} µs a round trip)");

            var cycle = new Cycle(store, department, agents, options.Assign == "claim");
            BenchProgram.Progress($"handoff: {agents.Length} agents (capacity {Capacity}), {options.InFlight} cycles in flight, assignment by {options.Assign}; warm-up {WarmUpCycles} cycles");
            await DriveAsync(cycle, Ids($"bench-{run}-warm", WarmUpCycles), options.InFlight, cancellationToken);

            var ids = Ids($"bench-{run}", options.Conversations);
            var before = server is null ? null : await server.CommandCallsAsync();
            var cpuBefore = server?.CpuTime;
            GC.Collect();
            var result = await DriveAsync(cycle, ids, options.InFlight, cancellationToken);
            var redisCpu = server is null ? (TimeSpan?)null : server.CpuTime - cpuBefore!.Value;
            Array.Sort(result.LatenciesMs);
            var p50 = BenchProgram.Percentile(result.LatenciesMs, 50);
            var p99 = BenchProgram.Percentile(result.LatenciesMs, 99);
            var cyclesPerSecond = ids.Length / result.Seconds;
            BenchProgram.Progress($"handoff: {ids.Length} cycles in {result.Seconds:0.000} s, {result.Refused} refused steps; p50 {p50:0.000} ms, " +
                $"p90 {BenchProgram.Percentile(result.LatenciesMs, 90):0.000} ms, p99 {p99:0.000} ms, max {result.LatenciesMs[^1]:0.000} ms; {BenchProgram.LoadAverage()}");
            if (result.FirstRefusal is not null)
            {
                BenchProgram.Progress("first refusal: " + result.FirstRefusal);
            }

            if (server is not null)
            {
                var after = await server.CommandCallsAsync();
                var perCycle = after.Select(c => (c.Key, Calls: c.Value - before!.GetValueOrDefault(c.Key)))
                    .Where(c => c.Calls * 100 >= ids.Length).OrderByDescending(c => c.Calls)
                    .Select(c => $"{c.Key} {(double)c.Calls / ids.Length:0.##}");
                BenchProgram.Progress("redis commands per cycle (including those inside scripts): " + string.Join(", ", perCycle));
                BenchProgram.Progress($"redis-server CPU {redisCpu!.Value.TotalMilliseconds * 1000 / ids.Length:0} µs per cycle ({redisCpu.Value.TotalSeconds / result.Seconds:P0} of one core)");
            }

            var (doubles, lost, example) = await CheckAsync(store, ids);
            BenchProgram.Progress($"check: {doubles} conversations with two agents in one cycle, {lost} not resolved{(example is null ? "" : "; e.g. " + example)}");
            await CleanUpAsync(db, [.. ids, .. Ids($"bench-{run}-warm", WarmUpCycles)], agents, department, $"bench-{run}:set");

            var line = new JsonObject
            {
                ["scenario"] = "handoff-cycle",
                ["cycles_per_sec"] = BenchProgram.Round(cyclesPerSecond, 0),
                ["p99_ms"] = BenchProgram.Round(p99, 3),
                ["double_assignments"] = doubles,
                ["lost"] = lost,
                ["redis_set_rps"] = BenchProgram.Round(setRps, 0),
            };
            Console.Out.WriteLine(line.ToJsonString());
            return doubles == 0 && lost == 0 ? 0 : 1;
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

    private static string[] Ids(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i => prefix + "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>The reference round trip: one SET awaited at a time, same client, same connection.</summary>
    private static async Task<double> MeasureSetsAsync(IDatabase db, string key, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 2000; i++)
        {
            await db.StringSetAsync(key, i);
        }

        var sets = 0;
        var started = Stopwatch.StartNew();
        while (started.Elapsed < SetProbe)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await db.StringSetAsync(key, sets);
            sets++;
        }

        return sets / started.Elapsed.TotalSeconds;
    }

    private sealed record RunResult(double[] LatenciesMs, double Seconds, int Refused, string? FirstRefusal);

    /// <summary><paramref name="inFlight"/> workers take the next conversation until all are done.</summary>
    private static async Task<RunResult> DriveAsync(Cycle cycle, string[] ids, int inFlight, CancellationToken cancellationToken)
    {
        var latencies = new double[ids.Length];
        var next = -1;
        var refused = 0;
        string? firstRefusal = null;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            await Task.Yield();
            int i;
            while ((i = Interlocked.Increment(ref next)) < ids.Length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var before = Stopwatch.GetTimestamp();
                var refusal = await cycle.RunAsync(ids[i], i);
                latencies[i] = Stopwatch.GetElapsedTime(before).TotalMilliseconds;
                if (refusal is not null)
                {
                    Interlocked.Increment(ref refused);
                    Interlocked.CompareExchange(ref firstRefusal, $"{ids[i]}: {refusal}", null);
                }
            }
        }));
        return new RunResult(latencies, Stopwatch.GetElapsedTime(started).TotalSeconds, refused, firstRefusal);
    }

    /// <summary>One handoff cycle. Returns null when every step was done, else which step was refused and why.</summary>
    private sealed class Cycle(HandoffStore store, string department, string[] agents, bool claim)
    {
        private static readonly RedisValue OutboxItem = "{\"type\":\"message\",\"text\":\"Hello, I am looking at your order now.\"}";
        private static readonly RedisValue TranscriptEntry = "{\"from\":\"agent\",\"text\":\"Hello, I am looking at your order now.\"}";

        public async Task<string?> RunAsync(string id, int n)
        {
            if (await store.EscalateAsync(new EscalationRequest(id, department, 0, "bench")) is { } status)
            {
                return "escalate: already " + status;
            }

            // The agent is picked here (conversation n goes to agent n mod A, the next one if that one is full);
            // the store still checks presence, capacity and that the chat is waiting, atomically.
            string? agent = null;
            HandoffOutcome outcome = default;
            for (var k = 0; k < agents.Length && agent is null; k++)
            {
                var candidate = agents[(n + k) % agents.Length];
                outcome = claim ? await store.ClaimAsync(id, candidate, Lease) : await store.OfferAsync(id, department, candidate, Lease);
                if (outcome.Succeeded)
                {
                    agent = candidate;
                }
                else if (outcome.Refusal != HandoffRefusal.AgentFull)
                {
                    return "assign: " + outcome.Refusal;
                }
            }

            if (agent is null)
            {
                return "assign: every agent full";
            }

            outcome = await store.AgentMessageAsync(id, agent, OutboxItem, TranscriptEntry);
            if (!outcome.Succeeded)
            {
                return "message: " + outcome.Refusal;
            }

            outcome = await store.ResolveAsync(id, agent, null, LongTime);
            return outcome.Succeeded ? null : "resolve: " + outcome.Refusal;
        }
    }

    /// <summary>From the stored events: a cycle that was offered or assigned to two agents, and a chat not resolved.</summary>
    private static async Task<(int Doubles, int Lost, string? Example)> CheckAsync(HandoffStore store, string[] ids)
    {
        var doubles = 0;
        var lost = 0;
        string? example = null;
        foreach (var batch in ids.Chunk(256))
        {
            var checks = await Task.WhenAll(batch.Select(async id => (Id: id, Chat: await store.GetChatAsync(id), Events: await store.GetEventsAsync(id))));
            foreach (var (id, chat, events) in checks)
            {
                var holders = events.Where(e => e.Type is "offered" or "assigned").Select(e => e.AgentId).Distinct().Count();
                var resolved = chat?.Status == HandoffStatus.Resolved && events.Count(e => e.Type == "resolved") == 1;
                if (holders > 1)
                {
                    doubles++;
                }

                if (!resolved)
                {
                    lost++;
                }

                if ((holders > 1 || !resolved) && example is null)
                {
                    example = $"{id}: {chat?.Status} [{string.Join(", ", events.Select(e => e.Type + ":" + e.AgentId))}]";
                }
            }
        }

        return (doubles, lost, example);
    }

    /// <summary>Removes what the run wrote, so an existing Redis (and a bot on it) is left as it was.</summary>
    private static async Task CleanUpAsync(IDatabase db, string[] ids, string[] agents, string department, string setKey)
    {
        foreach (var batch in ids.Chunk(500))
        {
            var keys = batch.SelectMany(id => new[]
            {
                RedisKeys.HandoffChat(id), RedisKeys.HandoffEvents(id), RedisKeys.Owner(id), RedisKeys.Outbox(id),
                RedisKeys.Transcript(id), RedisKeys.LastAgent(id),
            }).ToArray();
            await db.KeyDeleteAsync(keys);
            await db.SortedSetRemoveAsync(RedisKeys.PendingConversations, [.. batch.Select(id => (RedisValue)id)]);
        }

        foreach (var agent in agents)
        {
            await db.KeyDeleteAsync([RedisKeys.Agent(agent), RedisKeys.AgentChats(agent)]);
            await db.SortedSetRemoveAsync(RedisKeys.AgentPresence, agent);
            await db.SetRemoveAsync(RedisKeys.Agents, agent);
        }

        await db.KeyDeleteAsync([RedisKeys.DepartmentAgents(department), RedisKeys.HandoffQueue(department), setKey]);
        // The figures lists are capped at 1,000 entries; the run's samples age out as the bot adds its own.
    }
}
