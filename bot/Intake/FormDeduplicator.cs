using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SupportBot.Interests;
using StackExchange.Redis;

namespace SupportBot.Intake;

/// <summary>
/// One record per submission, however often it is sent: the same <c>Idempotency-Key</c> from a site, or the same
/// content from a site within <c>Intake:DuplicateWindowSeconds</c>, leads to the record the first one made. The
/// record itself (JSON) is remembered, not just its id, so a retry after a crash between remembering and storing
/// still stores exactly that record.
/// </summary>
internal sealed class FormDeduplicator(IConnectionMultiplexer redis, IOptions<IntakeOptions> options)
{
    /// <summary>KEYS: idempotency, same content. ARGV: record json, idempotency ttl ms (0 = none), content ttl ms (0 = none). Returns the earlier record's json, or nil after remembering this one.</summary>
    private const string RememberScript = """
        local earlier = false
        if ARGV[2] ~= '0' then earlier = redis.call('GET', KEYS[1]) end
        if not earlier and ARGV[3] ~= '0' then earlier = redis.call('GET', KEYS[2]) end
        if earlier then return earlier end
        if ARGV[2] ~= '0' then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
        if ARGV[3] ~= '0' then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3]) end
        return false
        """;

    /// <summary>Remembers <paramref name="record"/> as the submission's; returns the earlier record instead when this is a repeat.</summary>
    public async Task<InterestRecord?> EarlierAsync(string site, string? idempotencyKey, string contentHash, InterestRecord record)
    {
        var settings = options.Value;
        var idempotencyMs = idempotencyKey is null ? 0 : (long)TimeSpan.FromHours(settings.IdempotencyHours).TotalMilliseconds;
        var contentMs = (long)TimeSpan.FromSeconds(settings.DuplicateWindowSeconds).TotalMilliseconds;
        RedisKey idempotency = idempotencyKey is null
            ? IntakeKeys.Unused
            : IntakeKeys.Idempotency(site, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey))));
        var earlier = await redis.GetDatabase().ScriptEvaluateAsync(
            RememberScript,
            [idempotency, contentMs > 0 ? IntakeKeys.SameContent(site, contentHash) : IntakeKeys.Unused],
            [JsonSerializer.Serialize(record, BotJson.Default.InterestRecord), idempotencyMs, contentMs]);
        return earlier.IsNull ? null : JsonSerializer.Deserialize((string)earlier!, BotJson.Default.InterestRecord);
    }
}
