using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using SupportBot.Handoff;
using StackExchange.Redis;
using SupportBot.Storage;

namespace SupportBot.FollowUps;

/// <summary><c>FollowUps:*</c>.</summary>
public sealed class FollowUpsOptions
{
    public const string Section = "FollowUps";

    /// <summary>How often each instance looks for due reminders.</summary>
    public double CheckSeconds { get; set; } = 5;

    /// <summary>How long the console's one-time Telegram link (t.me/&lt;bot&gt;?start=agent_…) works.</summary>
    public int TelegramLinkMinutes { get; set; } = 15;
}

internal sealed class FollowUpsOptionsValidator : IValidateOptions<FollowUpsOptions>
{
    public ValidateOptionsResult Validate(string? name, FollowUpsOptions options)
    {
        var errors = new List<string>();
        if (options.CheckSeconds is < 0.05 or > 300)
        {
            errors.Add("FollowUps:CheckSeconds: how often to look for due reminders, 0.05–300 seconds (default 5).");
        }

        if (options.TelegramLinkMinutes is < 1 or > 1440)
        {
            errors.Add("FollowUps:TelegramLinkMinutes: how long a Telegram link works, 1–1440 minutes (default 15).");
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}

/// <summary>
/// Delivers due follow-ups once: every few seconds each instance claims what is due (a claim is
/// atomic, so two instances never take the same one), publishes it for the agent's live connections on
/// every instance, and passes it to each <see cref="IAgentNotifier"/>.
/// </summary>
internal sealed class FollowUpReminder(
    FollowUpStore store,
    IConnectionMultiplexer redis,
    IEnumerable<IAgentNotifier> notifiers,
    IOptions<FollowUpsOptions> options,
    TimeProvider time,
    ILogger<FollowUpReminder> logger) : BackgroundService
{
    private readonly IAgentNotifier[] _notifiers = [.. notifiers];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.CheckSeconds), time);
        try
        {
            do
            {
                try
                {
                    await RemindDueAsync(stoppingToken);
                }
                catch (Exception) when (stoppingToken.IsCancellationRequested)
                {
                    return; // shutting down: whatever the round hit (a disposed connection, a cancelled call) does not matter now
                }
                catch (Exception e)
                {
                    // Any failure, a notifier's timeout too, ends only this round: escaping, it would stop the host. What
                    // was claimed goes out again after the claim lease. A stranger's message may carry what does not
                    // belong in a log, so only its type is written.
                    FollowUpsLog.RoundFailed(logger, e is RedisException or TimeoutException ? e.Message : e.GetType().Name);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round: claim what is due and send it on.</summary>
    internal async Task<int> RemindDueAsync(CancellationToken cancellationToken)
    {
        var due = await store.ClaimDueAsync();
        foreach (var followUp in due)
        {
            var notice = new ReminderNotice
            {
                Id = followUp.Id,
                AgentId = followUp.AgentId,
                Text = followUp.Text,
                DueAt = followUp.DueAt,
                CustomerId = followUp.CustomerId,
                RecordId = followUp.RecordId,
            };
            await redis.GetSubscriber().PublishAsync(FollowUpKeys.Remind, JsonSerializer.Serialize(notice, FollowUpsJson.Default.ReminderNotice));
            if (_notifiers.Length > 0)
            {
                var settings = await store.GetSettingsAsync(followUp.AgentId);
                foreach (var notifier in _notifiers)
                {
                    try
                    {
                        await notifier.NotifyAsync(notice, settings, cancellationToken);
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                    {
                        // A timeout (a TaskCanceledException from HttpClient) too: one notifier's failure is its own.
                        FollowUpsLog.NotifierFailed(logger, notifier.GetType().Name, followUp.Id, e);
                    }
                }
            }

            // Only now: a round cut short (shutdown, Redis away) leaves the rest claimed, and they are delivered after the claim lease.
            await store.DeliveredAsync(followUp.Id);
        }

        if (due.Count > 0)
        {
            FollowUpsLog.Reminded(logger, due.Count);
        }

        return due.Count;
    }
}

/// <summary>Passes published reminders to the agent's live connections on this instance (method <c>reminder</c>).</summary>
internal sealed class FollowUpRelay(IConnectionMultiplexer redis, IHubContext<HandoffHub> hub, ILogger<FollowUpRelay> logger) : IHostedService
{
    public const string Method = "reminder";

    private ChannelMessageQueue? _subscription;

    /// <summary>Raised for every reminder (any agent) on a thread-pool thread: the console's panels refresh on it.</summary>
    public event Func<ReminderNotice, Task>? Reminded;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = await redis.GetSubscriber().SubscribeAsync(FollowUpKeys.Remind);
        _subscription.OnMessage(async message =>
        {
            try
            {
                if (JsonSerializer.Deserialize((string)message.Message!, FollowUpsJson.Default.ReminderNotice) is { } notice)
                {
                    await hub.Clients.Group(HandoffHub.AgentGroup(notice.AgentId)).SendAsync(Method, notice);
                    foreach (var handler in Reminded?.GetInvocationList().Cast<Func<ReminderNotice, Task>>() ?? [])
                    {
                        _ = RaiseAsync(handler, notice);
                    }
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                FollowUpsLog.RelayFailed(logger, e.Message);
            }
        });
    }

    private async Task RaiseAsync(Func<ReminderNotice, Task> handler, ReminderNotice notice)
    {
        try
        {
            await handler(notice);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            FollowUpsLog.RelayFailed(logger, e.Message);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _subscription.UnsubscribeQuietlyAsync();
    }
}

internal static partial class FollowUpsLog
{
    [LoggerMessage(LogLevel.Debug, "{Count} follow-up reminders sent")]
    public static partial void Reminded(ILogger logger, int count);

    [LoggerMessage(LogLevel.Warning, "Follow-up round failed, trying again shortly: {Error}")]
    public static partial void RoundFailed(ILogger logger, string error);

    [LoggerMessage(LogLevel.Warning, "Agent notifier {Notifier} failed for follow-up {FollowUpId}")]
    public static partial void NotifierFailed(ILogger logger, string notifier, string followUpId, Exception exception);

    [LoggerMessage(LogLevel.Warning, "A reminder could not be passed to the agent's live connection: {Error}")]
    public static partial void RelayFailed(ILogger logger, string error);
}
