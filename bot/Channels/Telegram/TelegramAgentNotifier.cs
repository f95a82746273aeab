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

        // In the offset the due time was typed in: the agent's own clock when they set it in the console.
        var offset = reminder.DueAt.Offset;
        var due = reminder.DueAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)
            + (offset == TimeSpan.Zero ? " UTC" : $" (UTC{(offset < TimeSpan.Zero ? '-' : '+')}{offset:hh\\:mm})");
        await bots.Client(bot).SendMessage(
            chatId,
            TelegramSender.Html($"⏰ Follow-up due {due}:\n{reminder.Text}"),
            ParseMode.Html,
            cancellationToken: cancellationToken);
    }
}
