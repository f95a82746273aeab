using StackExchange.Redis;

namespace SupportBot.Handoff;

/// <summary>
/// Every Redis key the service uses, in one place. A conversation's keys share the hash tag
/// <c>{c:&lt;id&gt;}</c> so one Lua script can touch all of them on a Redis Cluster.
/// </summary>
public static class RedisKeys
{
    private static string Tag(string conversationId) => "{c:" + conversationId + "}";

    /// <summary>
    /// Every key of one conversation (they share its hash tag): what erasing the conversation deletes. A new
    /// per-conversation key belongs here too, or an erased customer's data would outlive the request.
    /// </summary>
    public static RedisKey[] OfConversation(string conversationId) =>
    [
        Inbox(conversationId), ArrivalSequence(conversationId), SeenEvents(conversationId), Lease(conversationId), State(conversationId),
        Owner(conversationId), Outbox(conversationId), DirectLineMeta(conversationId), DirectLineLog(conversationId),
        DirectLineAppended(conversationId), ConversationOpenInterests(conversationId), ConversationInterests(conversationId), HandoffChat(conversationId),
        HandoffEvents(conversationId), Transcript(conversationId), Profile(conversationId), LlmTokens(conversationId), LastAgent(conversationId),
    ];

    /// <summary>Inbound activities waiting to be processed, oldest first.</summary>
    public static RedisKey Inbox(string conversationId) => Tag(conversationId) + ":inbox";

    /// <summary>Counter that numbers arrivals in a conversation.</summary>
    public static RedisKey ArrivalSequence(string conversationId) => Tag(conversationId) + ":seq";

    /// <summary>Event ids accepted within the dedupe window (sorted set scored by when, unix ms): one key per conversation.</summary>
    public static RedisKey SeenEvents(string conversationId) => Tag(conversationId) + ":seen";

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

    // ---- The interest feed: mutable work state beside the immutable record, and the feed's indexes
    // (sorted sets scored by the record's date, unix ms).

    /// <summary>A record's work state and filter fields (hash: resp, done, at, by, note, evid, link, src, act, dir, prod, conv).</summary>
    public static RedisKey InterestWork(string recordId) => "interest:" + recordId + ":work";

    public static RedisKey InterestsByDirection(string direction) => "interests:by-dir:" + direction;

    /// <summary>By product, lower-cased.</summary>
    public static RedisKey InterestsByProduct(string product) => "interests:by-product:" + product;

    /// <summary>By responsible: <c>agent:&lt;id&gt;</c> or <c>unassigned</c> (bot, queue, nobody).</summary>
    public static RedisKey InterestsByResponsible(string responsible) => "interests:by-resp:" + responsible;

    /// <summary>Inbound records nobody has processed yet.</summary>
    public static readonly RedisKey InterestsOpen = "interests:open";

    /// <summary>Open inbound records of one responsible (<c>agent:&lt;id&gt;</c> or <c>unassigned</c>): an agent's load.</summary>
    public static RedisKey InterestsOpenOf(string responsible) => "interests:open:" + responsible;

    /// <summary>Open inbound records of one conversation: an agent's reply there processes them.</summary>
    public static RedisKey ConversationOpenInterests(string conversationId) => Tag(conversationId) + ":interests:open";

    /// <summary>Every interest record of one conversation, both ways (score = unix ms): what erasing its customer removes.</summary>
    public static RedisKey ConversationInterests(string conversationId) => Tag(conversationId) + ":interests";

    /// <summary>Full-text index: records whose text or author name has the (folded, lower-case) word.</summary>
    public static RedisKey InterestsByWord(string word) => "interests:word:" + word;

    /// <summary>Round-robin position of the feed's automatic distribution.</summary>
    public static readonly RedisKey InterestsRoundRobin = "interests:distribution:rr";

    /// <summary>Round-robin position of the <paramref name="rule"/>-th <c>Interests:Rules</c> rule.</summary>
    public static RedisKey InterestsRuleRoundRobin(int rule) => "interests:distribution:rr:" + rule.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Records an agent tagged with <paramref name="tag"/> (lower case).</summary>
    public static RedisKey InterestsByTag(string tag) => "interests:by-tag:" + tag;

    /// <summary>Held by the instance that sweeps records past the retention (one at a time).</summary>
    public static readonly RedisKey InterestsRetentionLease = "interests:retention:lease";

    /// <summary>Report counters of one dimension (source, action, …, or total) in one period of the reports' time zone:
    /// <paramref name="unit"/> day, week (starting Monday) or month, <paramref name="start"/> its first day (yyyy-MM-dd). A
    /// hash of inbound counts (<c>c:&lt;key&gt;</c>) and of those processed (<c>p:&lt;key&gt;</c>); the total's hash holds
    /// <c>c</c> and <c>p</c>. One hash per dimension, so a report reads only the groups it shows. One hash tag, so the
    /// script that adds to a day, its week and its month stays in one cluster slot.</summary>
    public static RedisKey ReportCounts(string dimension, string unit, string start) => ReportsPrefix + "n:" + dimension + ":" + unit + ":" + start;

    /// <summary>The earlier layout of <see cref="ReportCounts"/>: every dimension of a period in one hash
    /// (<c>c:&lt;dimension&gt;:&lt;key&gt;</c>, <c>c:total</c>). Only read to move its counts to the new hashes.</summary>
    public static RedisKey ReportCountersCombined(string unit, string start) => ReportsPrefix + unit + ":" + start;

    /// <summary>What every report key starts with (their hash tag).</summary>
    public const string ReportsPrefix = "{reports}:";

    /// <summary>Set once the counters of the earlier layout (<see cref="ReportCountersCombined"/>) have been moved, so later starts skip the scan.</summary>
    public static readonly RedisKey ReportCountersLayout = "{reports}:layout";

    /// <summary>First-response times of one period (as <see cref="ReportCounters"/>): a histogram per scope (all, department,
    /// agent, department and agent) with <c>n:&lt;scope&gt;:&lt;bucket&gt;</c> counts, <c>c:&lt;scope&gt;</c> and <c>s:&lt;scope&gt;</c> (sum, ms).</summary>
    public static RedisKey ReportFirstResponse(string unit, string start) => "{reports}:fr:" + unit + ":" + start;

    /// <summary>Customers' moves between funnel stages in one period (as <see cref="ReportCounters"/>): <c>m:&lt;from&gt;\n&lt;to&gt;</c> counts.</summary>
    public static RedisKey ReportFunnel(string unit, string start) => "{reports}:funnel:" + unit + ":" + start;

    /// <summary>Random signing key for Direct Line tokens when no secret is configured, shared by all instances.</summary>
    public static readonly RedisKey DirectLineGeneratedKey = "webchat:generated-signing-key";
    // ---- Handoff. Per-conversation parts share the conversation's hash tag; the queues, agents and
    // timers are global. Handoff scripts therefore touch several slots: run them on one Redis
    // (or Garnet), not on a Redis Cluster.

    /// <summary>The conversation's current handoff cycle (hash: status, department, agent, times…).</summary>
    public static RedisKey HandoffChat(string conversationId) => Tag(conversationId) + ":handoff";

    /// <summary>Every handoff transition of the conversation, oldest first (JSON per entry).</summary>
    public static RedisKey HandoffEvents(string conversationId) => Tag(conversationId) + ":events";

    /// <summary>What the customer, the bot and the agents said, oldest first (JSON per entry), for the console.</summary>
    public static RedisKey Transcript(string conversationId) => Tag(conversationId) + ":transcript";

    /// <summary>Who the customer is on their channel (JSON), written by every turn: the relay needs it to answer.</summary>
    public static RedisKey Profile(string conversationId) => Tag(conversationId) + ":profile";

    /// <summary>Model tokens the conversation spent since the budget's day began (expires with that day).</summary>
    public static RedisKey LlmTokens(string conversationId) => Tag(conversationId) + ":llm-tokens";

    /// <summary>The agent who last resolved the conversation (expires after the return-to-same-agent window).</summary>
    public static RedisKey LastAgent(string conversationId) => Tag(conversationId) + ":last-agent";

    /// <summary>A department's waiting chats, scored by priority then waiting since (lowest first).</summary>
    public static RedisKey HandoffQueue(string department) => "handoff:queue:" + department;

    /// <summary>Offered or assigned chats whose agent has not answered yet, scored by the answer deadline.</summary>
    public static readonly RedisKey HandoffLeases = "handoff:leases";

    /// <summary>
    /// Hand-backs whose customer is still to be told (sorted set, score: when the chat was closed; member
    /// <c>token|conversation</c>). Written with the close itself, removed once the notice is in the conversation's inbox,
    /// so a crash or a Redis error between the two only delays the notice: the handoff monitor sends what is left.
    /// </summary>
    public static readonly RedisKey HandBacksToTell = "handoff:handbacks-to-tell";

    /// <summary>
    /// The newest ratings of 1 or 2 (the survey after a resolved chat), newest first, capped at 100: entries
    /// <c>unix ms|rating|department|agent|conversation id</c>, for supervisors to follow up on unhappy customers.
    /// </summary>
    public static readonly RedisKey LowRatings = "handoff:low-ratings";

    /// <summary>Agents online or away, scored by when their last heartbeat runs out.</summary>
    public static readonly RedisKey AgentPresence = "handoff:presence";

    /// <summary>Agents gone without signing off, scored by when their chats are re-queued.</summary>
    public static readonly RedisKey VanishedAgents = "handoff:vanished";

    /// <summary>Every agent ever seen.</summary>
    public static readonly RedisKey Agents = "handoff:agents";

    /// <summary>An agent's profile and presence (hash).</summary>
    public static RedisKey Agent(string agentId) => "handoff:agent:" + agentId;

    /// <summary>The chats an agent holds (offered or assigned).</summary>
    public static RedisKey AgentChats(string agentId) => "handoff:agent:" + agentId + ":chats";

    /// <summary>Agents who serve a department.</summary>
    public static RedisKey DepartmentAgents(string department) => "handoff:department:" + department + ":agents";

    /// <summary>Round-robin position of a department.</summary>
    public static RedisKey RoundRobin(string department) => "handoff:department:" + department + ":rr";

    /// <summary>Recent figures of closed steps, newest first, capped: entries <c>department|agent|milliseconds</c>.
    /// <paramref name="figure"/> is wait, first-response or handle.</summary>
    public static RedisKey HandoffFigures(string figure) => "handoff:figures:" + figure;

    /// <summary>Pub/sub: handoff happenings (JSON) for the agents' live connections on every instance.</summary>
    public static readonly RedisChannel HandoffNotify = RedisChannel.Literal("handoff:notify");

    /// <summary>Pub/sub: "assignment may be possible now" for every instance's assigner.</summary>
    public static readonly RedisChannel HandoffWake = RedisChannel.Literal("handoff:wake");
}
