using Microsoft.Extensions.Options;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;

namespace SupportBot.Channels.Telegram;

/// <summary>
/// Connects each bot at start: webhook bots register their URL, secret and update types with
/// setWebhook; polling bots delete any webhook and long-poll getUpdates. Failures back off
/// (1 s doubling to a minute) and never stop the host; shutdown cancels the poll at once.
/// </summary>
internal sealed class TelegramConnector(
    TelegramBots bots,
    TelegramUpdateHandler handler,
    IOptions<TelegramOptions> options,
    TimeProvider time,
    ILogger<TelegramConnector> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(bots.All.Select(bot => bot.Mode == TelegramMode.Webhook
            ? RegisterWebhookAsync(bot, stoppingToken)
            : PollAsync(bot, stoppingToken)));

    private async Task RegisterWebhookAsync(TelegramBotOptions bot, CancellationToken stoppingToken)
    {
        await RetryAsync(bot, "setWebhook", async () =>
        {
            await bots.Client(bot).SetWebhook(bot.WebhookUrl!, allowedUpdates: TelegramAdapter.AllowedUpdates, secretToken: bot.WebhookSecret, cancellationToken: stoppingToken);
            TelegramLog.WebhookRegistered(logger, bot.Name);
        }, stoppingToken);
    }

    private async Task PollAsync(TelegramBotOptions bot, CancellationToken stoppingToken)
    {
        // getUpdates is refused while a webhook is set: remove it first (pending updates are kept).
        if (!await RetryAsync(bot, "deleteWebhook", () => bots.Client(bot).DeleteWebhook(cancellationToken: stoppingToken), stoppingToken))
        {
            return;
        }

        TelegramLog.PollingStarted(logger, bot.Name);
        int? offset = null;
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var updates = await bots.Client(bot).GetUpdates(offset, 100, options.Value.PollingTimeoutSeconds, TelegramAdapter.AllowedUpdates, stoppingToken);
                foreach (var update in updates)
                {
                    // Stored by the pipeline before the offset moves on: a crash here means Telegram sends it again, and ingress dedupes it.
                    await HandleOneAsync(bot, update, stoppingToken);
                    offset = update.Id + 1;
                }

                backoff = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                backoff = Next(backoff, e);
                TelegramLog.ConnectFailed(logger, bot.Name, "getUpdates", backoff.TotalSeconds, e.Message);
                if (!await DelayAsync(backoff, stoppingToken))
                {
                    return;
                }
            }
        }
    }

    /// <summary>An update the adapter cannot handle (a bug, not a store outage) is logged and skipped, so it cannot stall the bot.</summary>
    private async Task HandleOneAsync(TelegramBotOptions bot, Update update, CancellationToken stoppingToken)
    {
        try
        {
            await handler.HandleAsync(bot, update, stoppingToken);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or NullReferenceException)
        {
            TelegramLog.UpdateFailed(logger, e, bot.Name, update.Id);
        }
    }

    private async Task<bool> RetryAsync(TelegramBotOptions bot, string operation, Func<Task> call, CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await call();
                return true;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception e)
            {
                backoff = Next(backoff, e);
                TelegramLog.ConnectFailed(logger, bot.Name, operation, backoff.TotalSeconds, e.Message);
                if (!await DelayAsync(backoff, stoppingToken))
                {
                    return false;
                }
            }
        }

        return false;
    }

    private static TimeSpan Next(TimeSpan backoff, Exception e)
    {
        var next = backoff == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        return e is ApiRequestException { Parameters.RetryAfter: { } retryAfter } && TimeSpan.FromSeconds(retryAfter) > next ? TimeSpan.FromSeconds(retryAfter) : next;
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, time, stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
