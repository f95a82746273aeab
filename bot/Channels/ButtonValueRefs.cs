using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace SupportBot.Channels;

/// <summary>
/// A choice value too long for a channel's button (Telegram's 64-byte callback_data, VK's 255-character payload)
/// travels as a short reference, the value kept in Redis for 30 days; the press brings the value back.
/// </summary>
/// <param name="referencePrefix">Marks a button value as a reference (a value that itself starts so is referenced too).</param>
/// <param name="keyPrefix">Where the values are kept: <c>&lt;keyPrefix&gt;&lt;id&gt;</c>.</param>
/// <param name="fits">Whether a value can go on the button as it is.</param>
internal sealed class ButtonValueRefs(string referencePrefix, string keyPrefix, Func<string, bool> fits)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromDays(30);

    /// <summary>What the button carries for <paramref name="value"/>: the value itself when it fits, else a reference.</summary>
    public async Task<string> ToButtonAsync(IDatabase db, string value)
    {
        if (!NeedsReference(value))
        {
            return value;
        }

        // Same value, same id: a re-sent keyboard does not grow the store.
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)).AsSpan(0, 12));
        await db.StringSetAsync(keyPrefix + id, value, Ttl);
        return referencePrefix + id;
    }

    /// <summary>The value behind what a pressed button carried; null when its reference has expired.</summary>
    public async Task<string?> FromButtonAsync(IDatabase db, string carried)
    {
        if (!carried.StartsWith(referencePrefix, StringComparison.Ordinal))
        {
            return carried;
        }

        var value = await db.StringGetAsync(keyPrefix + carried[referencePrefix.Length..]);
        return value.IsNull ? null : (string)value!;
    }

    public bool NeedsReference(string value) => !fits(value) || value.StartsWith(referencePrefix, StringComparison.Ordinal);
}
