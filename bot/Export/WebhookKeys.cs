using StackExchange.Redis;

namespace SupportBot.Export;

/// <summary>The webhook queue's Redis keys, all under the hash tag <c>{wh}</c> so every script touches one slot.</summary>
internal static class WebhookKeys
{
    public const string Prefix = "{wh}:";

    /// <summary>Deliveries to make, scored by when (unix ms). A claimed one is moved to the end of its lease: that is the lease.</summary>
    public static readonly RedisKey Due = Prefix + "due";

    /// <summary>Deliveries that failed for good, scored by when they failed.</summary>
    public static readonly RedisKey Failed = Prefix + "failed";

    /// <summary>Per receiver (hash): <c>pending:&lt;name&gt;</c>, <c>failed:&lt;name&gt;</c>, <c>delivered:&lt;name&gt;</c>, <c>deliveredAt:&lt;name&gt;</c>, <c>error:&lt;name&gt;</c>, <c>errorAt:&lt;name&gt;</c> (the last failed round).</summary>
    public static readonly RedisKey Stats = Prefix + "stats";

    /// <summary>One delivery (hash: webhook, type, record, body, created, attempts, error, lastAt, state, failedAt).</summary>
    public static RedisKey Delivery(string id) => DeliveryPrefix + id;

    /// <summary>What <see cref="Delivery"/> puts before the id (the failed-list trim builds the names in its script).</summary>
    public const string DeliveryPrefix = Prefix + "d:";
}
