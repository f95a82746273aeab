using System.Globalization;
using Microsoft.Extensions.Options;
using SupportBot.FollowUps;
using Telegram.Bot;
using Telegram.Bot.Types.Enums;

namespace SupportBot.Channels.Telegram;

/// <summary>
/// Sends a due follow-up to the agent's own Telegram chat (linked through the console's Start link, or with
/// <c>PUT /api/followups/telegram</c>), through the bot they started (else the first configured bot). Agents without a
/// linked chat, or hosts without a bot, are skipped.
/// </summary>
internal sealed class TelegramAgentNotifier(IOptions<TelegramOptions> options, TelegramBots bots) : IAgentNotifier
{
    public async Task NotifyAsync(ReminderNotice reminder, FollowUpSettings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(settings.LinkedTelegram)
            || !long.TryParse(settings.LinkedTelegram, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var chatId)
            || ((settings.LinkedTelegramBot is { } linked ? options.Value.Find(linked) : null) ?? options.Value.Bots.FirstOrDefault()) is not { } bot)
        {
            return;
        }

        var due = reminder.DueAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        await bots.Client(bot).SendMessage(
            chatId,
            TelegramSender.Html($"⏰ Follow-up due {due}:\n{reminder.Text}"),
            ParseMode.Html,
            cancellationToken: cancellationToken);
    }
}
