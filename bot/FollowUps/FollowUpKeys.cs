using StackExchange.Redis;

namespace SupportBot.FollowUps;

/// <summary>The follow-ups' Redis keys, all under the hash tag <c>{fu}</c> so each script touches one slot.</summary>
internal static class FollowUpKeys
{
    private const string Prefix = "{fu}:";

    /// <summary>Open follow-ups not reminded yet, scored by when they are due (unix ms).</summary>
    public static readonly RedisKey Due = Prefix + "due";

    /// <summary>Reminders claimed by a round and not yet delivered, scored by when the claim runs out (unix ms).</summary>
    public static readonly RedisKey Claimed = Prefix + "claimed";

    /// <summary>Pub/sub: a claimed reminder (JSON) for the agent's live connections on every instance.</summary>
    public static readonly RedisChannel Remind = RedisChannel.Literal("followups:remind");

    /// <summary>The follow-up (hash).</summary>
    public static RedisKey FollowUp(string id) => Prefix + "f:" + id;

    /// <summary>An agent's open follow-ups, scored by due time.</summary>
    public static RedisKey Open(string agentId) => Prefix + "agent:" + agentId + ":open";

    /// <summary>An agent's done follow-ups, scored by when they were done (the newest are kept).</summary>
    public static RedisKey Done(string agentId) => Prefix + "agent:" + agentId + ":done";

    /// <summary>An agent's settings (hash: telegram, telegramBot).</summary>
    public static RedisKey Settings(string agentId) => Prefix + "agent:" + agentId + ":settings";

    /// <summary>A one-time Telegram link code: <c>&lt;expires unix ms&gt;\n&lt;agent id&gt;</c>, with a TTL.</summary>
    public static RedisKey TelegramLink(string code) => Prefix + "tg-link:" + code;

    /// <summary>A spent code: <c>&lt;chat id&gt;\n&lt;agent id&gt;</c> for a day, so a webhook delivered twice is not answered twice.</summary>
    public static RedisKey TelegramLinkUsed(string code) => Prefix + "tg-link-used:" + code;
}
