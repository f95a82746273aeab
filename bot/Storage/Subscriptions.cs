using StackExchange.Redis;

namespace SupportBot.Storage;

public static class Subscriptions
{
    /// <summary>
    /// Ends a pub/sub subscription when the host stops. The connection may already be closing (services stop
    /// in turn); then there is nothing left to unsubscribe from, and that is not an error.
    /// </summary>
    public static async Task UnsubscribeQuietlyAsync(this ChannelMessageQueue? subscription)
    {
        if (subscription is null)
        {
            return;
        }

        try
        {
            await subscription.UnsubscribeAsync();
        }
        catch (Exception e) when (e is ObjectDisposedException or RedisException)
        {
            // The multiplexer is gone: so is the subscription.
        }
    }
}
