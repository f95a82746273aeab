using Microsoft.Extensions.Options;
using SupportBot.Handoff.Departments;
using SupportBot.Pipeline;
using StackExchange.Redis;

namespace SupportBot.Handoff;

/// <summary>"Assignment may be possible now": wakes this instance's monitor at once and every other instance through Redis.</summary>
public sealed class HandoffWake(IConnectionMultiplexer redis)
{
    internal WakeSignal Local { get; } = new();

    public async Task PulseAsync()
    {
        Local.Pulse();
        await redis.GetSubscriber().PublishAsync(RedisKeys.HandoffWake, "1", CommandFlags.FireAndForget);
    }
}

/// <summary>
/// The handoff's clock, on every instance (all steps are atomic scripts, so instances may overlap):
/// answer leases that ran out go back to the queue, silent agents are marked gone and their chats
/// re-queued after the grace period, and automatic assignment offers waiting chats to agents with
/// room — at once when woken (an escalation, an agent online or freed), else every second.
/// </summary>
internal sealed class HandoffMonitor(
    HandoffStore store,
    HandoffAssigner assigner,
    HandoffService service,
    DepartmentDirectory departments,
    HandoffWake wake,
    IConnectionMultiplexer redis,
    IOptions<HandoffOptions> options,
    TimeProvider time,
    Observability.BotMetrics metrics,
    ILogger<HandoffMonitor> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    internal static readonly TimeSpan HandBackGrace = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await redis.GetSubscriber().SubscribeAsync(RedisKeys.HandoffWake, (_, _) => wake.Local.Pulse());
        while (!stoppingToken.IsCancellationRequested)
        {
            var pulse = wake.Local.NextPulse;
            try
            {
                await RunOnceAsync();
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Redis is away: the next round tries again; nothing is lost, every step is in Redis.
                Log.HandoffMonitorFailed(logger, e.Message);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A bug in one round must not stop the host (what an exception escaping a BackgroundService does).
                Log.QueueLoopFailed(logger, e, "Handoff monitor");
            }

            try
            {
                await WakeSignal.WaitAsync(pulse, Tick, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One round of every duty; public to tests through the host.</summary>
    internal async Task RunOnceAsync()
    {
        foreach (var conversationId in await store.ExpiredLeasesAsync())
        {
            if (await store.GetChatAsync(conversationId) is { AgentId: { } agentId }
                && (await store.RequeueAsync(conversationId, agentId, leaseExpired: true)).Succeeded)
            {
                Log.AnswerLeaseExpired(logger, conversationId, agentId);
                await service.NotifyAsync(new HandoffNotice("lease_expired", conversationId, agentId));
            }
        }

        var grace = TimeSpan.FromSeconds(options.Value.AgentGraceSeconds);
        foreach (var agentId in await store.MarkSilentAgentsGoneAsync(grace))
        {
            await service.NotifyAsync(new HandoffNotice("presence", null, agentId, Status: "offline"));
        }

        foreach (var conversationId in await store.RequeueChatsOfGoneAgentsAsync())
        {
            await service.NotifyAsync(new HandoffNotice("queued", conversationId, Reason: "agent-gone"));
        }

        if (options.Value.Assignment != AssignmentMode.Claim)
        {
            await AssignAsync();
        }

        await ResolveIdleChatsAsync();

        // Hand-backs whose customer was never told (the host died, or Redis failed, right after the close). The delay keeps
        // this off the normal path's heels; were both to send, the pipeline's dedupe by the notice's id keeps one.
        foreach (var handBack in await store.HandBacksToTellAsync(time.GetUtcNow() - HandBackGrace))
        {
            await service.TellHandBackAsync(handBack);
        }
    }

    private DateTimeOffset _idleCheckedAt = DateTimeOffset.MinValue;

    /// <summary>
    /// Chats whose customer has not answered the agent for <see cref="HandoffOptions.ResolveIdleAfterMinutes"/> are resolved,
    /// so that a customer who got their answer and left does not hold the agent's seat for days. Looked for a few times per
    /// idle period (at most once a minute): it reads every held chat's last event.
    /// </summary>
    private async Task ResolveIdleChatsAsync()
    {
        var after = TimeSpan.FromMinutes(options.Value.ResolveIdleAfterMinutes);
        var now = time.GetUtcNow();
        if (after <= TimeSpan.Zero || now - _idleCheckedAt < TimeSpan.FromTicks(Math.Clamp(after.Ticks / 10, Tick.Ticks, TimeSpan.FromMinutes(1).Ticks)))
        {
            return;
        }

        _idleCheckedAt = now;
        foreach (var idle in await store.IdleChatsAsync(now - after))
        {
            if ((await service.ResolveIdleAsync(idle)).Succeeded)
            {
                Log.IdleChatResolved(logger, idle.ConversationId, idle.AgentId);
            }
        }
    }

    private async Task AssignAsync()
    {
        var now = time.GetUtcNow();
        var lease = TimeSpan.FromSeconds(options.Value.AnswerLeaseSeconds);
        foreach (var department in departments.All.Where(d => d.Hours.IsOpen(now)))
        {
            foreach (var (conversationId, agentId) in await assigner.AssignAsync(department.Name, options.Value.Assignment == AssignmentMode.RoundRobin, lease))
            {
                if (await store.GetChatAsync(conversationId) is { QueuedAt: { } queuedAt, OfferedAt: { } offeredAt })
                {
                    metrics.HandoffWait(department.Name, offeredAt - queuedAt);
                }

                await service.NotifyAsync(new HandoffNotice("offered", conversationId, agentId, department.Name));
            }
        }
    }
}
