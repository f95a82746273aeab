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
        catch (NullReferenceException)
        {
            // StackExchange.Redis 3.4 walks past the end of its channel's queue list (ChannelMessageQueue.Remove) when
            // this queue is no longer in a one-item list: it was taken off already, which is all we wanted.
        }
    }
}
