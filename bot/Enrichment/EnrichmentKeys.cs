using StackExchange.Redis;

namespace SupportBot.Enrichment;

/// <summary>
/// The model enrichment's queue. A record id waits in <see cref="Pending"/> until a worker on any host claims it:
/// one script moves it to <see cref="Claimed"/> (scored by the lease's end) and notes the claim in <see cref="Claims"/>.
/// A claim whose lease ran out (its host died) goes back to <see cref="Pending"/> at the next claim.
/// </summary>
internal static class EnrichmentKeys
{
    /// <summary>Record ids waiting for the model, scored by when they are due (unix ms).</summary>
    public static readonly RedisKey Pending = "enrichment:pending";

    /// <summary>Record ids a worker is classifying, scored by when its lease ends (unix ms).</summary>
    public static readonly RedisKey Claimed = "enrichment:claimed";

    /// <summary>Record id → the claim's token (which worker and batch holds it).</summary>
    public static readonly RedisKey Claims = "enrichment:claims";
}
