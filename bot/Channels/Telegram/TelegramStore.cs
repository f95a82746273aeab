using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace SupportBot.Channels.Telegram;

/// <summary>
/// The little the Telegram channel keeps in Redis: long button values behind short callback ids,
/// which message a group answer replies to, which parts of a long reply already went out,
/// whether a customer has blocked the bot, and customers' profile photos.
/// </summary>
public sealed class TelegramStore(IConnectionMultiplexer redis, TimeProvider time)
{
    /// <summary>Long button values behind short callback ids (Telegram allows 64 bytes of callback_data).</summary>
    private static readonly ButtonValueRefs CallbackRefs = new("#cb:", "telegram:cb:", value => Encoding.UTF8.GetByteCount(value) <= 64);

    private static readonly TimeSpan ReplyTtl = TimeSpan.FromDays(7);
    private static readonly TimeSpan SentTtl = TimeSpan.FromDays(2);

    /// <summary>The callback_data for a choice value: itself when it fits, else a short id for it.</summary>
    public Task<string> CallbackDataAsync(string value) => CallbackRefs.ToButtonAsync(redis.GetDatabase(), value);

    /// <summary>The choice value behind a button's callback_data; null when a short id has expired.</summary>
    public Task<string?> CallbackValueAsync(string data) => CallbackRefs.FromButtonAsync(redis.GetDatabase(), data);

    public Task RememberReplyTargetAsync(string bot, string eventId, int messageId, int? threadId) =>
        redis.GetDatabase().StringSetAsync(ReplyKey(bot, eventId), string.Create(CultureInfo.InvariantCulture, $"{messageId}|{threadId}"), ReplyTtl);

    public async Task<(int MessageId, int? ThreadId)?> ReplyTargetAsync(string bot, string eventId)
    {
        var value = await redis.GetDatabase().StringGetAsync(ReplyKey(bot, eventId));
        if (value.IsNull)
        {
            return null;
        }

        var parts = ((string)value!).Split('|');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), parts[1].Length > 0 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : null);
    }

    /// <summary>
    /// Write down that part <c>ARGV[2]</c> of outbox item <c>ARGV[1]</c> went out as message <c>ARGV[3]</c>. KEYS: the
    /// conversation's sent-parts hash. Only the item being sent is kept: a conversation's outbox goes one item at a
    /// time, so when the next one starts, the last is done.
    /// </summary>
    private const string RecordSentPartScript = """
        if redis.call('HGET', KEYS[1], 'item') ~= ARGV[1] then
          redis.call('DEL', KEYS[1])
          redis.call('HSET', KEYS[1], 'item', ARGV[1])
        end
        redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return 1
        """;

    /// <summary>Parts of an outbox item already delivered (index → message id), so a retry sends only the rest.</summary>
    public async Task<Dictionary<int, int>> SentPartsAsync(string conversationId, string outboxId)
    {
        var entries = await redis.GetDatabase().HashGetAllAsync(SentKey(conversationId));
        return entries.Any(e => e.Name == "item" && e.Value == outboxId)
            ? entries.Where(e => e.Name != "item").ToDictionary(e => (int)e.Name, e => (int)e.Value)
            : [];
    }

    public async Task<int?> SentPartAsync(string conversationId, string outboxId, int index)
    {
        var values = await redis.GetDatabase().HashGetAsync(SentKey(conversationId), ["item", index]);
        return values[0] == outboxId && !values[1].IsNull ? (int)values[1] : null;
    }

    public Task RecordSentPartAsync(string conversationId, string outboxId, int index, int messageId) =>
        redis.GetDatabase().ScriptEvaluateAsync(RecordSentPartScript, [SentKey(conversationId)], [outboxId, index, messageId, (long)SentTtl.TotalMilliseconds]);

    /// <summary>One small hash per conversation (not one key per reply): a conversation's idle state stays small.</summary>
    private static string SentKey(string conversationId) => "telegram:sent:" + conversationId;

    /// <summary>blocked / active for a chat, with when it changed (my_chat_member, or a 403 on send).</summary>
    public Task SetChatStatusAsync(string bot, long chatId, bool blocked) =>
        redis.GetDatabase().HashSetAsync("telegram:status:" + bot, chatId,
            (blocked ? "blocked|" : "active|") + time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));

    public async Task<string?> ChatStatusAsync(string bot, long chatId)
    {
        var value = await redis.GetDatabase().HashGetAsync("telegram:status:" + bot, chatId);
        return value.IsNull ? null : ((string)value!).Split('|')[0];
    }

    /// <summary>The file id of a user's profile photo as this bot sees it; "" when they have none; null when not known yet.</summary>
    public async Task<string?> ProfilePhotoAsync(string bot, long userId)
    {
        var value = await redis.GetDatabase().StringGetAsync(PhotoKey(bot, userId));
        return value.IsNull ? null : (string)value!;
    }

    public Task RememberProfilePhotoAsync(string bot, long userId, string fileId, TimeSpan ttl) =>
        redis.GetDatabase().StringSetAsync(PhotoKey(bot, userId), fileId, ttl);

    /// <summary>
    /// Forgets what this channel keeps about one conversation's person (their data erased on request): which parts of
    /// replies went out, whether they blocked the bot, their cached photo.
    /// </summary>
    public async Task ForgetAsync(string conversationId, string? userId)
    {
        var db = redis.GetDatabase();
        await db.KeyDeleteAsync(SentKey(conversationId));
        if (TelegramAdapter.TryParseConversation(conversationId, out var bot, out var chatId))
        {
            await db.HashDeleteAsync("telegram:status:" + bot, chatId);
            if (long.TryParse(userId, NumberStyles.Integer, CultureInfo.InvariantCulture, out var user))
            {
                await db.KeyDeleteAsync(PhotoKey(bot, user));
            }
        }
    }

    private static string ReplyKey(string bot, string eventId) => $"telegram:reply:{bot}:{eventId}";

    /// <summary>Per bot: a file id is only valid for the bot that received it.</summary>
    private static string PhotoKey(string bot, long userId) => string.Create(CultureInfo.InvariantCulture, $"telegram:photo:{bot}:{userId}");
}
