using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SupportBot.Pipeline;
using SupportBot.Handoff;
using StackExchange.Redis;

namespace SupportBot.Channels.WebChat;

/// <summary>
/// A Direct Line conversation's activities in Redis: a list whose index is the watermark. Appends
/// are idempotent by a key (the client's activity id, or the outbox item id), so a retried post or
/// a re-sent reply appears once. Readers on any instance are told of appends through pub/sub.
/// </summary>
public sealed partial class DirectLineTranscript(IConnectionMultiplexer redis, TimeProvider time, IOptions<PipelineOptions> pipeline)
{
    /// <summary>Every website visitor who opens the chat makes a conversation: without an end, Redis would keep them all for ever.</summary>
    private TimeSpan Ttl => TimeSpan.FromDays(pipeline.Value.ConversationTtlDays);

    /// <summary>
    /// KEYS: log, appended, meta. ARGV: dedupe key, activity json, ttl ms. Returns {is new (1/0), index}. Each append
    /// keeps the conversation for another Pipeline:ConversationTtlDays, like the rest of its state.
    /// </summary>
    private const string AppendOnceScript = """
        local existing = redis.call('HGET', KEYS[2], ARGV[1])
        if existing then return {0, tonumber(existing)} end
        local index = redis.call('RPUSH', KEYS[1], ARGV[2]) - 1
        redis.call('HSET', KEYS[2], ARGV[1], index)
        for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
        return {1, index}
        """;

    public const int MaxActivitiesPerRead = 500;

    public const string ChannelName = "webchat";

    /// <summary>Our conversation id for a Direct Line conversation id.</summary>
    public static string ConversationIdOf(string directLineId) => ChannelName + ":" + directLineId;

    public static string DirectLineIdOf(string conversationId) => conversationId[(ChannelName.Length + 1)..];

    /// <summary>Direct Line ids we issue are 32 hex digits; anything else cannot be ours.</summary>
    public static bool IsWellFormedId(string directLineId) => DirectLineIdPattern().IsMatch(directLineId);

    public static string NewDirectLineId() => Guid.NewGuid().ToString("N");

    public static string ActivityId(string directLineId, long index) =>
        directLineId + "|" + index.ToString("D7", CultureInfo.InvariantCulture);

    /// <returns>True when this call created the conversation.</returns>
    public async Task<bool> CreateAsync(string directLineId, string userId, string? locale)
    {
        var key = RedisKeys.DirectLineMeta(ConversationIdOf(directLineId));
        var db = redis.GetDatabase();
        var created = await db.HashSetAsync(key, "createdAt", time.GetUtcNow().ToUnixTimeMilliseconds(), When.NotExists);
        if (created)
        {
            // One round trip: both go out together, in order.
            await Task.WhenAll(db.HashSetAsync(key, [new("userId", userId), new("locale", locale ?? "")]), db.KeyExpireAsync(key, Ttl));
        }

        return created;
    }

    public Task<bool> ExistsAsync(string directLineId) => redis.GetDatabase().KeyExistsAsync(RedisKeys.DirectLineMeta(ConversationIdOf(directLineId)));

    /// <summary>Appends once per <paramref name="dedupeKey"/> and tells stream readers.</summary>
    /// <returns>The activity's id, the same on a repeated call.</returns>
    public async Task<(string Id, bool IsNew)> AppendAsync(string directLineId, string dedupeKey, JsonObject activity)
    {
        var conversationId = ConversationIdOf(directLineId);
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            AppendOnceScript,
            [RedisKeys.DirectLineLog(conversationId), RedisKeys.DirectLineAppended(conversationId), RedisKeys.DirectLineMeta(conversationId)],
            [dedupeKey, activity.ToJsonString(), (long)Ttl.TotalMilliseconds]))!;
        var isNew = (long)result[0] == 1;
        if (isNew)
        {
            await redis.GetSubscriber().PublishAsync(RedisKeys.DirectLineNotify(conversationId), "1", CommandFlags.FireAndForget);
        }

        return (ActivityId(directLineId, (long)result[1]), isNew);
    }

    /// <summary>
    /// An ActivitySet (<c>{"activities":[…],"watermark":"…"}</c>) of the activities from <paramref name="watermark"/> on,
    /// as UTF-8 JSON, and how many it holds. Written straight from the stored JSON with each activity's id put in
    /// front (stored activities never carry one), so a stream push does not parse and re-serialise every activity.
    /// </summary>
    public async Task<(byte[] Json, int Count, long Watermark)> ReadSetAsync(string directLineId, long watermark)
    {
        var values = await redis.GetDatabase().ListRangeAsync(RedisKeys.DirectLineLog(ConversationIdOf(directLineId)), watermark, watermark + MaxActivitiesPerRead - 1);
        var next = watermark + values.Length;
        var buffer = new ArrayBufferWriter<byte>(256 + (values.Length * 512));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("activities");
            for (var i = 0; i < values.Length; i++)
            {
                writer.WriteRawValue(WithId((string)values[i]!, ActivityId(directLineId, watermark + i)));
            }

            writer.WriteEndArray();
            writer.WriteString("watermark", next.ToString(CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }

        return (buffer.WrittenSpan.ToArray(), values.Length, next);
    }

    /// <summary>The stored activity with <c>"id"</c> as its first property.</summary>
    private static string WithId(string stored, string id)
    {
        var trimmed = stored.AsSpan().Trim();
        if (trimmed.Length < 2 || trimmed[0] != '{')
        {
            throw new InvalidOperationException("A stored Direct Line activity is not a JSON object.");
        }

        // Ids are "<32 hex>|<digits>": nothing in them needs escaping.
        var rest = trimmed[1..].TrimStart();
        return rest.Length > 0 && rest[0] == '}'
            ? $"{{\"id\":\"{id}\"}}"
            : string.Concat("{\"id\":\"", id, "\",", rest);
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex DirectLineIdPattern();
}
