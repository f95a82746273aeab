using StackExchange.Redis;

namespace SupportBot.Enrichment;

/// <summary>
/// The model enrichment's queue. A record id waits in <see cref="Pending"/> until a worker on any host claims it:
/// one script moves it to <see cref="Claimed"/> (scored by the lease's end) and notes the claim in <see cref="Claims"/>.
/// A claim whose lease ran out (its host died) goes back to <see cref="Pending"/> at the next claim. The three share the
/// <c>{enr}</c> hash tag: every script uses them together, which a Redis Cluster allows only within one slot.
/// </summary>
internal static class EnrichmentKeys
{
    private const string Prefix = "{enr}:";

    /// <summary>Record ids waiting for the model, scored by when they are due (unix ms).</summary>
    public static readonly RedisKey Pending = Prefix + "pending";

    /// <summary>Record ids a worker is classifying, scored by when its lease ends (unix ms).</summary>
    public static readonly RedisKey Claimed = Prefix + "claimed";

    /// <summary>Record id → the claim's token (which worker and batch holds it).</summary>
    public static readonly RedisKey Claims = Prefix + "claims";

    /// <summary>The names before the hash tag (they could not work on a Cluster, so they exist only on a single server).</summary>
    public static readonly RedisKey LegacyPending = "enrichment:pending";

    public static readonly RedisKey LegacyClaimed = "enrichment:claimed";

    public static readonly RedisKey LegacyClaims = "enrichment:claims";
}
