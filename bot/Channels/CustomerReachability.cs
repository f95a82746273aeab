using SupportBot.Customers;

namespace SupportBot.Channels;

/// <summary>
/// A customer who stops accepting our messages on a channel (blocked the Telegram bot, denied a VK
/// community's messages, or a send was refused for that) is shown so on their card: status
/// <c>blocked</c>. When they accept messages again, a blocked customer goes back to <c>contacted</c>.
/// </summary>
public sealed class CustomerReachability(CustomerStore customers)
{
    public async Task SetAsync(string channel, string userId, bool acceptsMessages)
    {
        if (await customers.FindByIdentityAsync(channel, userId) is not { } id)
        {
            return; // never wrote to us: no card yet; the channel's own record still stops sends
        }

        if (!acceptsMessages)
        {
            await customers.SetStatusAsync(id, CustomerStatus.Blocked);
        }
        else if ((await customers.GetAsync(id))?.Status == CustomerStatus.Blocked)
        {
            await customers.SetStatusAsync(id, CustomerStatus.Contacted);
        }
    }
}
