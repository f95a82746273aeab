using System.Globalization;

namespace SupportBot.Channels.Telegram;

/// <summary>
/// A customer blocking or unblocking the bot (my_chat_member, a 403 on send, or writing again):
/// kept for the sender (no calls Telegram would refuse) and set as the customer's status on the
/// customer card, where an agent sees it. Unblocking puts a blocked customer back to <c>contacted</c>.
/// </summary>
public sealed class TelegramBlocking(TelegramStore store, CustomerReachability reachability)
{
    public async Task SetAsync(string bot, long chatId, long userId, bool blocked)
    {
        await store.SetChatStatusAsync(bot, chatId, blocked);
        await reachability.SetAsync(TelegramBots.ChannelName, userId.ToString(CultureInfo.InvariantCulture), acceptsMessages: !blocked);
    }

    public async Task<bool> IsBlockedAsync(string bot, long chatId) => await store.ChatStatusAsync(bot, chatId) == "blocked";
}
