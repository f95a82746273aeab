using StackExchange.Redis;

namespace SupportBot.Intake;

/// <summary>The form intake's Redis keys, under the hash tag <c>{intake}</c> so the dedupe script touches one slot.</summary>
internal static class IntakeKeys
{
    private const string Prefix = "{intake}:";

    /// <summary>A site's <c>Idempotency-Key</c> (hashed) → the record it made (JSON), for <c>Intake:IdempotencyHours</c>.</summary>
    public static RedisKey Idempotency(string site, string keyHash) => Prefix + "idem:" + site + ":" + keyHash;

    /// <summary>A site's submission content (hashed) → the record it made (JSON), for <c>Intake:DuplicateWindowSeconds</c>.</summary>
    public static RedisKey SameContent(string site, string contentHash) => Prefix + "same:" + site + ":" + contentHash;

    /// <summary>Sorted set: confirmation mails to one address (hashed) in the last 24 hours, record ids by time.</summary>
    public static RedisKey Confirmations(string emailHash) => Prefix + "confirm:" + emailHash;

    /// <summary>Named in place of a key a submission does not have (never written).</summary>
    public static readonly RedisKey Unused = Prefix + "unused";
}
