using System.Text.Json;
using SupportBot.Handoff;
using StackExchange.Redis;
using SupportBot.Storage;

namespace SupportBot.AgentConsole.Live;

/// <summary>
/// Handoff notices from every host instance (Redis pub/sub), raised as an event for the console's
/// components on this instance: they run on the server, so they need no browser-side hub connection.
/// </summary>
public sealed class ConsoleNotices(IConnectionMultiplexer redis, ILogger<ConsoleNotices> logger) : IHostedService
{
    private ChannelMessageQueue? _subscription;

    /// <summary>Raised on a thread-pool thread; handlers marshal to their component with InvokeAsync.</summary>
    public event Func<HandoffNotice, Task>? Received;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = await redis.GetSubscriber().SubscribeAsync(RedisKeys.HandoffNotify);
        _subscription.OnMessage(message =>
        {
            HandoffNotice? notice;
            try
            {
                notice = JsonSerializer.Deserialize((string)message.Message!, BotJson.Default.HandoffNotice);
            }
            catch (JsonException e)
            {
                Log.HandoffNoticeDropped(logger, e.Message);
                return;
            }

            if (notice is null || Received is not { } handlers)
            {
                return;
            }

            // Each page on its own: a page whose browser vanished can take a while to notice, and must not hold up the others.
            foreach (var handler in handlers.GetInvocationList().Cast<Func<HandoffNotice, Task>>())
            {
                _ = DeliverAsync(handler, notice);
            }
        });
    }

    private async Task DeliverAsync(Func<HandoffNotice, Task> handler, HandoffNotice notice)
    {
        try
        {
            await handler(notice);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.HandoffNoticeDropped(logger, e.Message);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _subscription.UnsubscribeQuietlyAsync();
    }
}
