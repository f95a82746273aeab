using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using StackExchange.Redis;
using SupportBot.FunctionalTests.Channels.Telegram;

namespace SupportBot.Chaos;

/// <summary>
/// Drives customers and agents against the host (its own process, real redis-server, Telegram through
/// the Bot API stand-in) while killing the host with SIGKILL and restarting Redis, then checks that every
/// message has one interest record and one reply and that every handoff is in exactly one place.
/// </summary>
internal static partial class ChaosRun
{
    /// <summary>How long the run waits, after the last customer, for agents and the pipeline to finish.</summary>
    private static readonly TimeSpan SettleLimit = TimeSpan.FromMinutes(5);

    public static async Task<ChaosReport> RunAsync(ChaosOptions options, CancellationToken cancellationToken)
    {
        var report = new ChaosReport();
        var progress = options.Progress;
        await using var telegramApi = new TelegramApiStandIn();
        await telegramApi.StartAsync();
        var inbox = new TelegramInbox(telegramApi);
        await using var hosts = new ChaosHosts(options.WorkDirectory, options.RedisConnection, telegramApi.BaseUrl, options.HostSettings);
        // Cancelled on every way out, so the agents' loop never outlives a failed run.
        using var stopAgents = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            progress("starting the host");
            await hosts.StartAsync(cancellationToken);
            using var http = ChaosHttp.CreateClient(hosts.BaseAddress);
            var probe = await ChaosProbe.RunAsync(http, TimeSpan.FromSeconds(120), cancellationToken);
            var conversations = ChaosConversation.Plan(options.Messages, options.HandoffShare, probe.Questions, options.Seed);
            progress($"probe: {probe.Answers.Count} questions with answers of their own; {conversations.Count} conversations, " +
                $"{conversations.Count(c => c.AsksForHuman)} of them ask for a person; {options.ActiveConversations} at a time");

            var customers = new ChaosCustomers(http, inbox, options.ActiveConversations, options.ReplyTimeout);
            inbox.Delivered += at => customers.ReplyTimes.Enqueue(at);
            var agents = new ChaosAgents(http, ChaosHosts.ApiKey, [.. conversations.Where(c => c.AsksForHuman)]);
            var wall = Stopwatch.StartNew();
            var customerRun = customers.RunAsync(conversations, cancellationToken);
            var agentRun = agents.RunAsync(() => customerRun.IsCompleted, stopAgents.Token);
            var faultRun = RunFaultsAsync(options, hosts, http, customers, customerRun, report, cancellationToken);
            using (var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var watch = WatchAsync(options, hosts, customers, conversations, report, customerRun, watching.Token);
                await customerRun;
                await faultRun;
                await watching.CancelAsync();
                await watch;
            }

            progress($"customers done after {wall.Elapsed.TotalSeconds:0} s; waiting for agents and the pipeline");
            await Task.WhenAny(agentRun, Task.Delay(SettleLimit, cancellationToken));
            await stopAgents.CancelAsync();
            await agentRun;
            await SettleAsync(options, inbox, cancellationToken);
            report.Seconds = wall.Elapsed.TotalSeconds;

            progress("checking");
            await ChaosCheck.CheckAsync(report, http, ChaosHosts.ApiKey, conversations, probe, inbox, customers, cancellationToken);
            foreach (var fault in report.Faults.ToList())
            {
                var back = fault.At.AddSeconds(fault.BackSeconds);
                var first = customers.ReplyTimes.Where(t => t >= back).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
                report.Faults[report.Faults.IndexOf(fault)] = fault with { RecoverySeconds = first == DateTimeOffset.MaxValue ? -1 : (first - fault.At).TotalSeconds };
            }

            report.ClientRetries = customers.Retries + agents.Retries;
            report.Errors.AddRange(customers.Errors);
            report.Errors.AddRange(agents.Errors);
        }
        finally
        {
            await stopAgents.CancelAsync();
            // Log lines read "HH:mm:ss warn: Category[id] message" (the host's console format).
            var lines = hosts.Logs().Split('\n').Select(l => LogLine().Match(l)).Where(m => m.Success).ToList();
            report.HostErrorLines = lines.Count(m => m.Groups["level"].Value is "fail" or "crit");
            // The warnings and errors by kind (ids, times and numbers aside), so a run says what the host went through.
            foreach (var kind in lines.GroupBy(m => LogShape().Replace(m.Groups["rest"].Value.Trim(), "#")).OrderByDescending(g => g.Count()).Take(12))
            {
                progress($"host log ×{kind.Count()}: {kind.First().Groups["level"].Value}: {kind.First().Groups["rest"].Value.Trim()}");
            }
        }

        return report;
    }

    /// <summary>The faults, spread evenly over the run by messages acknowledged: the host kills first, then the Redis restart.</summary>
    private static async Task RunFaultsAsync(
        ChaosOptions options, ChaosHosts hosts, HttpClient http, ChaosCustomers customers, Task customerRun, ChaosReport report, CancellationToken cancellationToken)
    {
        var kinds = Enumerable.Repeat("host-sigkill", options.HostKills).Concat(options.RedisRestart ? ["redis-restart"] : []).ToList();
        for (var i = 0; i < kinds.Count; i++)
        {
            var threshold = (int)((long)options.Messages * (i + 1) / (kinds.Count + 1));
            while (customers.Acknowledged < threshold)
            {
                if (customerRun.IsCompleted)
                {
                    return; // the customers stopped short (their errors are in the report): no traffic left to hit
                }

                await Task.Delay(50, cancellationToken);
            }

            var at = DateTimeOffset.UtcNow;
            var after = customers.Acknowledged;
            if (kinds[i] == "host-sigkill")
            {
                options.Progress($"fault: SIGKILL to host pid {hosts.Current.ProcessId} after {after} messages; starting a new one");
                var deadAt = await hosts.KillAndRestartAsync(cancellationToken);
                report.Faults.Add(new ChaosFault(kinds[i], at, after, (DateTimeOffset.UtcNow - at).TotalSeconds, 0, HostDeadAt: deadAt));
            }
            else
            {
                options.Progress($"fault: redis-server killed after {after} messages; down for {options.RedisOutage.TotalSeconds:0} s");
                await options.KillRedisAsync();
                var red = await ReadyzRedSeenAsync(http, options.RedisOutage, cancellationToken);
                await options.StartRedisAsync();
                var green = await WaitForReadyzAsync(http, TimeSpan.FromSeconds(120), cancellationToken);
                options.Progress($"fault: redis-server back; /readyz red while down: {red}, green again: {green}");
                report.Faults.Add(new ChaosFault(kinds[i], at, after, (DateTimeOffset.UtcNow - at).TotalSeconds, 0, red && green));
            }
        }
    }

    /// <summary>Polls /readyz while Redis is down; true when it answered 503 at least once.</summary>
    private static async Task<bool> ReadyzRedSeenAsync(HttpClient http, TimeSpan outage, CancellationToken cancellationToken)
    {
        var red = false;
        var until = DateTime.UtcNow + outage;
        while (DateTime.UtcNow < until || !red && DateTime.UtcNow < until + TimeSpan.FromSeconds(10))
        {
            try
            {
                using var response = await http.GetAsync("/readyz", cancellationToken);
                red |= response.StatusCode == HttpStatusCode.ServiceUnavailable;
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200, cancellationToken);
        }

        return red;
    }

    private static async Task<bool> WaitForReadyzAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync("/readyz", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, cancellationToken);
        }

        return false;
    }

    /// <summary>Progress every few seconds; a host that exits on its own is counted and started again, as a supervisor would.</summary>
    private static async Task WatchAsync(
        ChaosOptions options, ChaosHosts hosts, ChaosCustomers customers, IReadOnlyList<ChaosConversation> conversations, ChaosReport report, Task customerRun,
        CancellationToken cancellationToken)
    {
        var last = DateTime.UtcNow;
        var (stalledSince, acknowledged) = (DateTime.UtcNow, -1);
        try
        {
            while (!customerRun.IsCompleted)
            {
                await Task.Delay(500, cancellationToken);
                if (hosts.Current.HasExited && await hosts.RestartIfExitedAsync(cancellationToken))
                {
                    // Not one of ours (those restart under the same lock): the host died by itself.
                    report.UnplannedExits++;
                    options.Progress("the host exited by itself; started a new one");
                }

                if (DateTime.UtcNow - last > TimeSpan.FromSeconds(5))
                {
                    last = DateTime.UtcNow;
                    options.Progress($"{customers.Acknowledged}/{options.Messages} messages acknowledged, {customers.ReplyTimes.Count} replies seen, {customers.Retries} retries");
                }

                if (customers.Acknowledged != acknowledged)
                {
                    (stalledSince, acknowledged) = (DateTime.UtcNow, customers.Acknowledged);
                }
                else if (DateTime.UtcNow - stalledSince > TimeSpan.FromSeconds(20))
                {
                    stalledSince = DateTime.UtcNow;
                    foreach (var waiting in conversations.Where(c => !c.Finished && c.ConversationId.Length > 0).Take(5))
                    {
                        options.Progress($"waiting: conversation {waiting.Number} {waiting.ConversationId}, {waiting.Sent.Count}/{waiting.MessageCount} sent, last \"{waiting.Sent.LastOrDefault()?.Text}\"");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Waits until no conversation has work left (the pipeline's pending set is empty) and no reply has come for a few seconds.</summary>
    private static async Task SettleAsync(ChaosOptions options, TelegramInbox inbox, CancellationToken cancellationToken)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options.RedisConnection + ",abortConnect=false");
        var db = redis.GetDatabase();
        var lastDelivery = DateTimeOffset.UtcNow;
        inbox.Delivered += at => lastDelivery = at;
        var deadline = DateTime.UtcNow + SettleLimit;
        while (DateTime.UtcNow < deadline)
        {
            var pending = await db.KeyTypeAsync("pipeline:pending") == RedisType.SortedSet ? await db.SortedSetLengthAsync("pipeline:pending") : 0;
            if (pending == 0 && DateTimeOffset.UtcNow - lastDelivery > TimeSpan.FromSeconds(3))
            {
                return;
            }

            await Task.Delay(250, cancellationToken);
        }

        options.Progress("the pipeline did not settle in time; checking what there is");
    }

    [GeneratedRegex(@"[0-9a-f]{32}|\d+")]
    private static partial Regex LogShape();

    [GeneratedRegex(@"^(\S+ )?(?<level>warn|fail|crit): (?<rest>.*)$")]
    private static partial Regex LogLine();
}
