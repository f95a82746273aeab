using StackExchange.Redis;

namespace SupportBot.Storage;

internal static class StoreOutage
{
    /// <summary>The store is away for now (no connection, timed out while reconnecting, still loading after a restart).</summary>
    public static bool IsOutage(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        // After a restart Redis answers LOADING until its append-only file is read back.
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal),
        _ => exception.InnerException is { } inner && IsOutage(inner),
    };
}
