using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Storage;
using SupportBot.Pipeline;
using SupportBot.Pipeline.Outbox;

namespace SupportBot.Channels.Email;

/// <summary>
/// Redis keys of the e-mail channel. A mailbox's lease and cursor share a hash tag, so the script
/// that moves the cursor only for the lease holder touches one cluster slot.
/// </summary>
internal static class EmailKeys
{
    /// <summary>String: the token of the instance reading the mailbox now (SET NX PX).</summary>
    public static RedisKey Lease(string mailbox) => $"email:{{mb:{mailbox.ToLowerInvariant()}}}:lease";

    /// <summary>Hash: <c>validity</c> (the folder's UIDVALIDITY) and <c>uid</c> (the last UID handled).</summary>
    public static RedisKey Cursor(string mailbox) => $"email:{{mb:{mailbox.ToLowerInvariant()}}}:cursor";

    /// <summary>String: how often reading one mail (UIDVALIDITY and UID) failed, for setting a poison mail aside.</summary>
    public static RedisKey Failures(string mailbox, uint validity, uint uid) => $"email:{{mb:{mailbox.ToLowerInvariant()}}}:fail:{validity}:{uid}";

    /// <summary>Hash: mails set aside after failing every time, <c>&lt;UIDVALIDITY&gt;:&lt;UID&gt;</c> → when and the error's type.</summary>
    public static RedisKey SetAside(string mailbox) => $"email:{{mb:{mailbox.ToLowerInvariant()}}}:aside";

    /// <summary>String: the conversation a Message-ID (ours or the customer's) belongs to.</summary>
    public static RedisKey Message(string mailbox, string messageId) => $"email:msg:{mailbox.ToLowerInvariant()}:{Hash(messageId)}";

    /// <summary>String: this mail went into the pipeline or the log (a second read of it is skipped, also after the pipeline's dedupe window).</summary>
    public static RedisKey Taken(string mailbox, string messageId) => $"email:taken:{mailbox.ToLowerInvariant()}:{Hash(messageId)}";

    /// <summary>String: the latest conversation of a sender and a subject (for "Re:" mails whose client dropped the threading headers).</summary>
    public static RedisKey Subject(string mailbox, string sender, string baseSubject) =>
        $"email:subject:{mailbox.ToLowerInvariant()}:{Hash(sender.ToLowerInvariant() + "\n" + baseSubject.ToLowerInvariant())}";

    /// <summary>Hash: whose conversation it is (customer: the first sender), whom it answers (to, name, subject, last) and each inbound mail's References chain (<c>refs:&lt;Message-ID&gt;</c>).</summary>
    public static RedisKey Thread(string conversationId) => $"email:thread:{conversationId}";

    /// <summary>Sorted set: the bot's answers to one address in the last hour (outbox item ids by send time), for the loop cap.</summary>
    public static RedisKey BotReplies(string address) => $"email:botreplies:{Hash(address.ToLowerInvariant())}";

    /// <summary>String: the Message-ID an outbox item went out with (a resend after a crash returns it instead of mailing twice).</summary>
    public static RedisKey Sent(string itemId) => $"email:sent:{Hash(itemId)}";

    /// <summary>Sorted set: queued form confirmations by when each is due (a <see cref="SupportBot.Storage.LeasedQueue"/>; its items share the hash tag).</summary>
    public static readonly RedisKey ConfirmationsDue = "email:{confirm}:due";

    /// <summary>Before a record id, a hash: one queued form confirmation (site, to, name, language, product, attempts, error).</summary>
    public const string ConfirmationPrefix = "email:{confirm}:c:";

    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)).AsSpan(0, 16));
}

/// <summary>Whom and what a conversation's answers go to.</summary>
/// <param name="InReplyTo">The customer's Message-ID the answer replies to.</param>
/// <param name="References">The References chain for the answer (the customer's chain and their Message-ID).</param>
internal sealed record EmailThread(string Mailbox, string To, string? Name, string Subject, string InReplyTo, IReadOnlyList<string> References);

/// <summary>The e-mail channel's state in Redis: mailbox leases and UID cursors, threads, and the maps that find a mail's conversation.</summary>
internal sealed class EmailStore(IConnectionMultiplexer redis, IOptions<PipelineOptions> pipeline)
{
    /// <summary>References kept per answer: the thread's root and its newest, as RFC 5322 suggests trimming.</summary>
    private const int MaxReferences = 20;

    private const string AcquireScript = """
        local v = redis.call('GET', KEYS[1])
        if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
        if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
        return 0
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private const string AdvanceScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[2], 'validity', ARGV[2], 'uid', ARGV[3])
        return 1
        """;


    private IDatabase Db => redis.GetDatabase();

    /// <summary>False when <paramref name="address"/> already had <paramref name="perHour"/> answers from the bot in the last hour.</summary>
    public Task<bool> TryCountBotReplyAsync(string address, string itemId, int perHour, DateTimeOffset now) =>
        SlidingWindowCap.TryCountAsync(Db, EmailKeys.BotReplies(address), itemId, perHour, TimeSpan.FromHours(1), now);

    private TimeSpan Ttl => TimeSpan.FromDays(pipeline.Value.ConversationTtlDays);

    /// <summary>Takes the mailbox, or renews it when this token already holds it.</summary>
    public async Task<bool> TryHoldAsync(string mailbox, string token, TimeSpan lease) =>
        (long)await Db.ScriptEvaluateAsync(AcquireScript, [EmailKeys.Lease(mailbox)], [token, (long)lease.TotalMilliseconds]) == 1;

    public async Task ReleaseAsync(string mailbox, string token) =>
        await Db.ScriptEvaluateAsync(ReleaseScript, [EmailKeys.Lease(mailbox)], [token]);

    public async Task<(uint Validity, uint Uid)?> CursorAsync(string mailbox)
    {
        var values = await Db.HashGetAsync(EmailKeys.Cursor(mailbox), ["validity", "uid"]);
        return values[0].HasValue && values[1].HasValue
            && uint.TryParse((string?)values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var validity)
            && uint.TryParse((string?)values[1], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            ? (validity, uid)
            : null;
    }

    /// <summary>Moves the cursor, only while <paramref name="token"/> holds the mailbox; false when the lease was lost.</summary>
    public async Task<bool> AdvanceAsync(string mailbox, string token, uint validity, uint uid) =>
        (long)await Db.ScriptEvaluateAsync(AdvanceScript, [EmailKeys.Lease(mailbox), EmailKeys.Cursor(mailbox)], [token, (long)validity, (long)uid]) == 1;

    /// <summary>Counts a failed read of the mail; the count is forgotten after a day.</summary>
    public async Task<long> CountFailureAsync(string mailbox, uint validity, uint uid)
    {
        var key = EmailKeys.Failures(mailbox, validity, uid);
        var count = await Db.StringIncrementAsync(key);
        await Db.KeyExpireAsync(key, TimeSpan.FromDays(1));
        return count;
    }

    public async Task SetAsideAsync(string mailbox, uint validity, uint uid, string error, DateTimeOffset at)
    {
        await Db.HashSetAsync(EmailKeys.SetAside(mailbox), $"{validity}:{uid}", $"{at:O} {error}");
        await Db.KeyDeleteAsync(EmailKeys.Failures(mailbox, validity, uid));
    }

    public async Task<string?> ConversationOfMessageAsync(string mailbox, string messageId) =>
        await Db.StringGetAsync(EmailKeys.Message(mailbox, messageId)) is { HasValue: true } v ? (string?)v : null;

    public Task MapMessageAsync(string mailbox, string messageId, string conversationId) =>
        Db.StringSetAsync(EmailKeys.Message(mailbox, messageId), conversationId, Ttl);

    public async Task<string?> ConversationOfSubjectAsync(string mailbox, string sender, string baseSubject) =>
        await Db.StringGetAsync(EmailKeys.Subject(mailbox, sender, baseSubject)) is { HasValue: true } v ? (string?)v : null;

    /// <summary>Subjects lead back to a conversation for 30 days (the maps by Message-ID for the conversation's lifetime).</summary>
    public Task MapSubjectAsync(string mailbox, string sender, string baseSubject, string conversationId) =>
        Db.StringSetAsync(EmailKeys.Subject(mailbox, sender, baseSubject), conversationId, TimeSpan.FromDays(30));

    public Task<bool> IsTakenAsync(string mailbox, string messageId) => Db.KeyExistsAsync(EmailKeys.Taken(mailbox, messageId));

    public Task MarkTakenAsync(string mailbox, string messageId) => Db.StringSetAsync(EmailKeys.Taken(mailbox, messageId), "1", Ttl);

    /// <summary>
    /// The address whose conversation this is (the sender of its first mail; for threads from before it was kept,
    /// where answers went). Null when the conversation is unknown.
    /// </summary>
    public async Task<string?> CustomerOfAsync(string conversationId)
    {
        var values = await Db.HashGetAsync(EmailKeys.Thread(conversationId), ["customer", "to"]);
        return !values[0].IsNullOrEmpty ? (string?)values[0] : !values[1].IsNullOrEmpty ? (string?)values[1] : null;
    }

    /// <summary>Remembers the customer's latest mail in the conversation: whom to answer, the subject, and this mail's References chain.</summary>
    public async Task SaveInboundAsync(string conversationId, string mailbox, EmailInbound mail)
    {
        var chain = mail.References.Append(mail.MessageId).Distinct(StringComparer.Ordinal).ToList();
        var key = EmailKeys.Thread(conversationId);
        // Whose conversation it is: set by its first mail, never moved (only this sender may continue it).
        await Db.HashSetAsync(key, "customer", mail.FromAddress ?? "", When.NotExists);
        await Db.HashSetAsync(key,
        [
            new("mailbox", mailbox),
            new("to", mail.ReplyTo ?? mail.FromAddress ?? ""),
            new("name", mail.FromName ?? ""),
            new("subject", mail.Subject),
            new("last", mail.MessageId),
            new("refs:" + mail.MessageId, string.Join(' ', Trim(chain))),
        ]);
        await Db.KeyExpireAsync(key, Ttl);
    }

    /// <summary>What an answer needs: the mail it replies to (<paramref name="inReplyToEventId"/>, else the latest) and its chain.</summary>
    public async Task<EmailThread?> ThreadAsync(string conversationId, string? inReplyToEventId)
    {
        var entries = await Db.HashGetAllAsync(EmailKeys.Thread(conversationId));
        if (entries.Length == 0)
        {
            return null;
        }

        var map = entries.ToDictionary(e => (string)e.Name!, e => (string?)e.Value ?? "", StringComparer.Ordinal);
        var replyTo = inReplyToEventId is not null && map.ContainsKey("refs:" + inReplyToEventId) ? inReplyToEventId : map.GetValueOrDefault("last");
        if (string.IsNullOrEmpty(replyTo) || string.IsNullOrEmpty(map.GetValueOrDefault("to")))
        {
            return null;
        }

        var refs = map.GetValueOrDefault("refs:" + replyTo)?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [replyTo];
        return new EmailThread(map.GetValueOrDefault("mailbox") ?? "", map["to"], NullIfEmpty(map.GetValueOrDefault("name")), map.GetValueOrDefault("subject") ?? "", replyTo, refs);
    }

    /// <summary>The bot's other replies of the same turn still waiting in the outbox after <paramref name="item"/> (ids <c>&lt;conversation&gt;:&lt;seq&gt;:&lt;n&gt;</c>), in order.</summary>
    public async Task<IReadOnlyList<OutboxItem>> LaterRepliesOfTurnAsync(OutboxItem item)
    {
        var cut = item.Id.LastIndexOf(':');
        if (item.Author != "bot" || cut <= 0 || !int.TryParse(item.Id.AsSpan(cut + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return [];
        }

        var turn = item.Id[..(cut + 1)];
        var waiting = await Db.ListRangeAsync(Handoff.RedisKeys.Outbox(item.ConversationId), 0, 49);
        var later = new List<(int Index, OutboxItem Item)>();
        foreach (var raw in waiting)
        {
            var other = JsonSerializer.Deserialize((string)raw!, BotJson.Default.OutboxItem);
            if (other is { Author: "bot" } && other.Id.StartsWith(turn, StringComparison.Ordinal)
                && int.TryParse(other.Id.AsSpan(turn.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > index)
            {
                later.Add((n, other));
            }
        }

        return [.. later.OrderBy(l => l.Index).Select(l => l.Item)];
    }

    public async Task<string?> SentAsync(string itemId) =>
        await Db.StringGetAsync(EmailKeys.Sent(itemId)) is { HasValue: true } v ? (string?)v : null;

    public Task MarkSentAsync(string itemId, string messageId) => Db.StringSetAsync(EmailKeys.Sent(itemId), messageId, TimeSpan.FromDays(7));

    /// <summary>The root and the newest ones when the chain is long.</summary>
    private static IEnumerable<string> Trim(List<string> chain) =>
        chain.Count <= MaxReferences ? chain : chain.Take(1).Concat(chain.Skip(chain.Count - (MaxReferences - 1)));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
