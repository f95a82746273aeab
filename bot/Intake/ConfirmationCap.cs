using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace SupportBot.Intake;

/// <summary>
/// At most <c>Intake:ConfirmationsPerAddressPerDay</c> confirmation mails to one address in any 24 hours, across sites
/// and host instances (a sliding window in Redis). The form is still recorded; only the mail is left out.
/// </summary>
internal sealed class ConfirmationCap(IConnectionMultiplexer redis, IOptions<IntakeOptions> options, TimeProvider time)
{
    private const long DayMs = 24 * 3600 * 1000;

    /// <summary>KEYS: the address's set. ARGV: now ms, window start ms, record id, cap, ttl ms. 1: counted; 0: over the cap.</summary>
    private const string CountScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
        redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[3])
        if redis.call('ZCARD', KEYS[1]) > tonumber(ARGV[4]) then
          redis.call('ZREM', KEYS[1], ARGV[3])
          return 0
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        return 1
        """;

    public async Task<bool> TryTakeAsync(string email, string recordId)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email.ToLowerInvariant())).AsSpan(0, 16));
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return (long)await redis.GetDatabase().ScriptEvaluateAsync(
            CountScript, [IntakeKeys.Confirmations(hash)], [now, now - DayMs, recordId, options.Value.ConfirmationsPerAddressPerDay, DayMs]) == 1;
    }
}
