using System.Globalization;
using SupportBot.Customers;

namespace SupportBot.Channels.Telegram;

/// <summary>
/// A customer blocking or unblocking the bot (my_chat_member, a 403 on send, or writing again):
/// kept for the sender (no calls Telegram would refuse) and set as the customer's status on the
/// customer card, where an agent sees it. Unblocking puts a blocked customer back to <c>contacted</c>.
/// </summary>
public sealed class TelegramBlocking(TelegramStore store, CustomerStore customers)
{
    public async Task SetAsync(string bot, long chatId, long userId, bool blocked)
    {
        await store.SetChatStatusAsync(bot, chatId, blocked);
        var user = userId.ToString(CultureInfo.InvariantCulture);
        if (await customers.FindByIdentityAsync(TelegramBots.ChannelName, user) is not { } id)
        {
            return; // never wrote to us: no card yet; the chat status above still stops sends
        }

        if (blocked)
        {
            await customers.SetStatusAsync(id, CustomerStatus.Blocked);
        }
        else if ((await customers.GetAsync(id))?.Status == CustomerStatus.Blocked)
        {
            await customers.SetStatusAsync(id, CustomerStatus.Contacted);
        }
    }

    public async Task<bool> IsBlockedAsync(string bot, long chatId) => await store.ChatStatusAsync(bot, chatId) == "blocked";
}
