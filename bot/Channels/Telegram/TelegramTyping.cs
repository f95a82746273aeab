using Microsoft.Extensions.Options;
using Telegram.Bot;
using Telegram.Bot.Types.Enums;

namespace SupportBot.Channels.Telegram;

/// <summary>"typing…" under the bot's name in the customer's chat (sendChatAction; Telegram shows it for 5 seconds).</summary>
internal sealed class TelegramTyping(IOptions<TelegramOptions> options, TelegramBots bots) : IChannelTyping
{
    public async Task ShowTypingAsync(string conversationId, string? channelAccount, string? agentName, CancellationToken cancellationToken)
    {
        if (TelegramAdapter.TryParseConversation(conversationId, out var botName, out var chatId)
            && options.Value.Find(channelAccount ?? botName) is { } bot)
        {
            await bots.Client(bot).SendChatAction(chatId, ChatAction.Typing, cancellationToken: cancellationToken);
        }
    }
}
