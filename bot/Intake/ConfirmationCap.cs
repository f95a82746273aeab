using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Storage;

namespace SupportBot.Intake;

/// <summary>
/// At most <c>Intake:ConfirmationsPerAddressPerDay</c> confirmation mails to one address in any 24 hours, across sites
/// and host instances (a sliding window in Redis). The form is still recorded; only the mail is left out.
/// </summary>
internal sealed class ConfirmationCap(IConnectionMultiplexer redis, IOptions<IntakeOptions> options, TimeProvider time)
{
    public async Task<bool> TryTakeAsync(string email, string recordId)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email.ToLowerInvariant())).AsSpan(0, 16));
        return await SlidingWindowCap.TryCountAsync(
            redis.GetDatabase(), IntakeKeys.Confirmations(hash), recordId, options.Value.ConfirmationsPerAddressPerDay, TimeSpan.FromDays(1), time.GetUtcNow());
    }
}
