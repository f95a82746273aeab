using StackExchange.Redis;

namespace SupportBot.Handoff;

/// <summary>
/// Every Redis key the service uses, in one place. A conversation's keys share the hash tag
/// <c>{c:&lt;id&gt;}</c> so one Lua script can touch all of them on a Redis Cluster.
/// </summary>
public static class RedisKeys
{
    private static string Tag(string conversationId) => "{c:" + conversationId + "}";

    /// <summary>Inbound activities waiting to be processed, oldest first.</summary>
    public static RedisKey Inbox(string conversationId) => Tag(conversationId) + ":inbox";

    /// <summary>Counter that numbers arrivals in a conversation.</summary>
    public static RedisKey ArrivalSequence(string conversationId) => Tag(conversationId) + ":seq";

    /// <summary>Marker that an event id was already accepted (SET NX with a TTL).</summary>
    public static RedisKey SeenEvent(string conversationId, string eventId) => Tag(conversationId) + ":seen:" + eventId;

    /// <summary>Who may process the conversation right now (one worker, any instance).</summary>
    public static RedisKey Lease(string conversationId) => Tag(conversationId) + ":lease";

    /// <summary>The bot's conversation state (JSON).</summary>
    public static RedisKey State(string conversationId) => Tag(conversationId) + ":state";

    /// <summary>The owner switch: bot, queued, or agent:&lt;id&gt;.</summary>
    public static RedisKey Owner(string conversationId) => Tag(conversationId) + ":owner";

    /// <summary>Replies waiting to be sent, in order.</summary>
    public static RedisKey Outbox(string conversationId) => Tag(conversationId) + ":outbox";

    /// <summary>Direct Line: conversation metadata (exists once the conversation was started).</summary>
    public static RedisKey DirectLineMeta(string conversationId) => Tag(conversationId) + ":dl:meta";

    /// <summary>Direct Line: the transcript; an activity's index is its watermark.</summary>
    public static RedisKey DirectLineLog(string conversationId) => Tag(conversationId) + ":dl:log";

    /// <summary>Direct Line: client activity ids and outbox ids already appended, mapped to their index.</summary>
    public static RedisKey DirectLineAppended(string conversationId) => Tag(conversationId) + ":dl:appended";

    /// <summary>Pub/sub channel that tells stream readers on any instance a conversation has new activities.</summary>
    public static RedisChannel DirectLineNotify(string conversationId) => RedisChannel.Literal("dl:notify:" + conversationId);

    /// <summary>Conversations with work to do, scored by when it is due (unix ms).</summary>
    public static readonly RedisKey PendingConversations = "pipeline:pending";

    /// <summary>Pub/sub channel that wakes idle workers on every instance.</summary>
    public static readonly RedisChannel PipelineWake = RedisChannel.Literal("pipeline:wake");

    /// <summary>Inbound activities that could not be read (kept for people to look at, never retried in a loop).</summary>
    public static readonly RedisKey UnreadableActivities = "pipeline:unreadable";

    /// <summary>Sends that failed for good, for people to look at.</summary>
    public static readonly RedisKey DeadLetters = "outbox:dead";

    public static RedisKey Interest(string recordId) => "interest:" + recordId;

    public static readonly RedisKey InterestsByTime = "interests:by-time";

    public static RedisKey InterestsBySource(string sourceType) => "interests:by-source:" + sourceType;

    public static RedisKey InterestsByAction(string action) => "interests:by-action:" + action;

    /// <summary>Random signing key for Direct Line tokens when no secret is configured, shared by all instances.</summary>
    public static readonly RedisKey DirectLineGeneratedKey = "webchat:generated-signing-key";
}
