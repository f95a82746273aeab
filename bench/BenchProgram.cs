using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SupportBot.Pipeline;

namespace SupportBot.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench -- webchat [--conversations 200] [--messages 20]</c>:
/// a real redis-server, the real host on real Kestrel, and load over real loopback HTTP and WebSockets.
/// </summary>
/// <remarks>Not a top-level program: the bot's own <c>Program</c> class is in the global namespace.</remarks>
internal static class BenchProgram
{
    private const int WarmUpConversations = 50;
    private const int WarmUpMessages = 10;

    public static async Task<int> Main(string[] args)
    {
        var options = BenchArgs.Parse(args);
        if (options.Help)
        {
            Console.Out.WriteLine(BenchArgs.Usage);
            return 0;
        }

        if (options.Error is not null)
        {
            await Console.Error.WriteLineAsync("error: " + options.Error + Environment.NewLine);
            await Console.Error.WriteLineAsync(BenchArgs.Usage);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true; // let the finally blocks stop the host and kill redis-server
            cancel.Cancel();
        };

        try
        {
            return options.Scenario switch
            {
                "dialogs" => await DialogsScenario.RunAsync(options, cancel.Token),
                "handoff" => await HandoffScenario.RunAsync(options, cancel.Token),
                "faq-eval" => FaqEvalScenario.Run(options),
                "interest-feed" => await InterestFeedScenario.RunAsync(options, cancel.Token),
                "llm" => await LlmScenario.RunAsync(options, cancel.Token),
                "interest-report" => await InterestReportScenario.RunAsync(options, cancel.Token),
                "pipeline" => await PipelineScenario.RunAsync(options, cancel.Token),
                "chaos" => await ChaosScenario.RunAsync(options, cancel.Token),
                "memory" => await MemoryScenario.RunAsync(options, cancel.Token),
                _ => await RunWebChatAsync(options, cancel.Token),
            };
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Progress("cancelled");
            return 1;
        }
        catch (Exception e) when (e is TimeoutException or HttpRequestException or InvalidOperationException or System.Net.WebSockets.WebSocketException)
        {
            await Console.Error.WriteLineAsync("The benchmark failed: " + e.Message);
            return 1;
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync("The benchmark failed: " + e);
            return 1;
        }
    }

    private static async Task<int> RunWebChatAsync(BenchArgs options, CancellationToken cancellationToken)
    {
        Progress($"starting redis-server ({Environment.ProcessorCount} cores, server GC: {System.Runtime.GCSettings.IsServerGC}, {LoadAverage()})");
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        Progress($"redis-server pid {redis.ProcessId} on {redis.ConnectionString}; starting the host");
        await using var host = new BenchHost(redis.ConnectionString, options.Settings);
        host.Start();
        var environment = host.Services.GetRequiredService<IHostEnvironment>();
        var pipeline = host.Services.GetRequiredService<IOptions<PipelineOptions>>().Value;
        Progress($"host listening on {host.BaseAddress} ({environment.EnvironmentName}, content root {environment.ContentRootPath}; " +
            $"Pipeline: {pipeline.Workers} workers, poll {pipeline.PollMilliseconds} ms)");

        var scenario = new WebChatScenario(host.BaseAddress, TimeSpan.FromSeconds(options.TimeoutSeconds));
        using var http = scenario.CreateClient();

        // Baseline first, on a fresh process: the same concurrency against the bare echo endpoint.
        Progress("baseline: warming up /bench/echo");
        await WebChatScenario.RunEchoAsync(http, options.Conversations, TimeSpan.FromSeconds(1), cancellationToken);
        Progress($"baseline: {options.Conversations} clients on /bench/echo for {options.BaselineSeconds:0.#} s");
        var (rps, requests, echoFailed) = await WebChatScenario.RunEchoAsync(http, options.Conversations, TimeSpan.FromSeconds(options.BaselineSeconds), cancellationToken);
        Progress($"baseline: {requests} requests, {echoFailed} failed, {rps:0} req/s");

        var warmUp = await scenario.OpenAndRunAsync(http, Math.Min(WarmUpConversations, options.Conversations), Math.Min(WarmUpMessages, options.Messages), cancellationToken);
        Progress($"warm-up: {warmUp.Turns} turns, {warmUp.Failed} failed, p50 {Percentile(warmUp.LatenciesMs, 50):0.0} ms (not counted)");

        Progress($"webchat: opening {options.Conversations} conversations (not timed)");
        var setup = Stopwatch.StartNew();
        var sessions = await scenario.OpenSessionsAsync(http, options.Conversations, cancellationToken);
        Progress($"webchat: {sessions.Length} conversations open and greeted in {setup.Elapsed.TotalSeconds:0.00} s; {options.Messages} messages each");
        TurnRun run;
        var resources = await ResourceSnapshot.TakeAsync(redis);
        try
        {
            run = await scenario.RunTurnsAsync(sessions, options.Messages, cancellationToken);
        }
        finally
        {
            await WebChatScenario.DisposeAllAsync(sessions);
        }

        var used = await ResourceSnapshot.TakeAsync(redis) - resources;
        var p50 = Percentile(run.LatenciesMs, 50);
        var p99 = Percentile(run.LatenciesMs, 99);
        Progress($"webchat: {run.Turns} turns in {run.WallSeconds:0.00} s, {run.Failed} failed; " +
            $"p50 {p50:0.0} ms, p90 {Percentile(run.LatenciesMs, 90):0.0} ms, p99 {p99:0.0} ms, max {run.LatenciesMs.LastOrDefault():0.0} ms");
        Progress("webchat: " + used.Describe(run.WallSeconds, Math.Max(1, run.Turns)));
        if (options.LatenciesFile is not null)
        {
            await WriteLatenciesAsync(options.LatenciesFile, run);
            Progress($"webchat: every turn's latency written to {options.LatenciesFile}");
        }

        if (run.FirstError is not null)
        {
            Progress("first failure: " + run.FirstError);
        }

        var line = new JsonObject
        {
            ["scenario"] = "webchat-turn",
            ["turns_per_sec"] = Round(run.TurnsPerSecond, 1),
            ["p50_ms"] = Round(p50, 2),
            ["p99_ms"] = Round(p99, 2),
            ["baseline_rps"] = Round(rps, 0),
            ["conversations"] = options.Conversations,
            ["messages"] = options.Messages,
            ["turns"] = run.Turns,
            ["failed"] = run.Failed + (int)echoFailed,
        };
        if (options.Settings.Count > 0)
        {
            line["settings"] = new JsonObject([.. options.Settings.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))]);
        }

        Console.Out.WriteLine(line.ToJsonString(new JsonSerializerOptions { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Progress($"stopping the host and redis-server ({LoadAverage()})");
        return run.Failed == 0 && echoFailed == 0 ? 0 : 1;
    }

    private static async Task WriteLatenciesAsync(string path, TurnRun run)
    {
        await using var file = new StreamWriter(path);
        await file.WriteLineAsync("conversation,message,started_ms,latency_ms");
        for (var c = 0; c < run.ByConversation.Length; c++)
        {
            for (var m = 0; m < run.ByConversation[c].Length; m++)
            {
                await file.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{c},{m},{run.ByConversation[c][m].StartedMs:0.###},{run.ByConversation[c][m].LatencyMs:0.###}"));
            }
        }
    }

    /// <summary>Other work on the machine skews every figure; say how busy it was.</summary>
    internal static string LoadAverage()
    {
        try
        {
            return "load average " + string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "load average unknown";
        }
    }

    /// <summary>Nearest-rank percentile of an ascending array.</summary>
    internal static double Percentile(double[] sorted, double percentile)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    internal static double Round(double value, int digits) => double.IsFinite(value) ? Math.Round(value, digits) : -1;

    internal static void Progress(string message) =>
        Console.Error.WriteLine($"[bench {DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}] {message}");
}
