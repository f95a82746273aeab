using System.Globalization;
using System.Security.Cryptography;
using StackExchange.Redis;

namespace SupportBot.FollowUps;

/// <summary>
/// Follow-ups in Redis: one hash each, a global sorted set of those still to be reminded (by due
/// time), and per agent the open ones (by due time) and the latest done ones. A due reminder is
/// claimed by one atomic script, so with several host instances each reminder goes out once (again, after
/// <see cref="ClaimLease"/>, only when the round that claimed it did not get to deliver it).
/// </summary>
public sealed class FollowUpStore(IConnectionMultiplexer redis, TimeProvider time)
{
    /// <summary>How many done follow-ups an agent keeps (older ones are dropped).</summary>
    public const int KeepDone = 200;

    private static readonly TimeSpan DoneRetention = TimeSpan.FromDays(90);

    private const string CreateScript = """
        for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
        redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
        redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2])
        return 1
        """;

    /// <summary>
    /// How long a round has to deliver the reminders it claimed; one it did not confirm by then (its instance stopped or
    /// failed mid-round) is claimed again, by any instance. Delivery is at least once rather than at most once.
    /// </summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(5);

    /// <summary>KEYS: follow-up, due, agent's open, agent's done, claimed. ARGV: id, agent, now ms, keep, retention ms. Returns ok, gone or already.</summary>
    private const string DoneScript = """
        if redis.call('HGET', KEYS[1], 'agent') ~= ARGV[2] then return 'gone' end
        if redis.call('HGET', KEYS[1], 'status') == 'done' then return 'already' end
        redis.call('HSET', KEYS[1], 'status', 'done', 'done', ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('ZREM', KEYS[5], ARGV[1])
        redis.call('ZREM', KEYS[3], ARGV[1])
        redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
        redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -tonumber(ARGV[4]) - 1)
        return 'ok'
        """;

    /// <summary>KEYS: follow-up, due, agent's open, agent's done, claimed. ARGV: id, agent. Returns ok or gone.</summary>
    private const string DeleteScript = """
        if redis.call('HGET', KEYS[1], 'agent') ~= ARGV[2] then return 'gone' end
        redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('ZREM', KEYS[5], ARGV[1])
        redis.call('ZREM', KEYS[3], ARGV[1])
        redis.call('ZREM', KEYS[4], ARGV[1])
        return 'ok'
        """;

    /// <summary>
    /// Move up to ARGV[2] follow-ups due by ARGV[1] from the due set to the claimed set (until ARGV[3]); whoever moves one
    /// delivers it. Claims that ran out by ARGV[1] (never confirmed) are taken again. KEYS: due, claimed.
    /// </summary>
    private const string ClaimScript = """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
        for _, id in ipairs(ids) do
          redis.call('ZREM', KEYS[1], id)
          redis.call('ZADD', KEYS[2], ARGV[3], id)
        end
        local left = tonumber(ARGV[2]) - #ids
        if left > 0 then
          local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, left)
          for _, id in ipairs(stale) do
            redis.call('ZADD', KEYS[2], ARGV[3], id)
            ids[#ids + 1] = id
          end
        end
        return ids
        """;

    /// <summary>KEYS: follow-up. ARGV: now ms. Marks it reminded if it still exists; returns 1 then.</summary>
    private const string MarkRemindedScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        redis.call('HSET', KEYS[1], 'reminded', ARGV[1])
        return 1
        """;

    private IDatabase Db => redis.GetDatabase();

    public static bool IsValidId(string? id) => id is { Length: 16 } && id.All(char.IsAsciiHexDigitLower);

    public async Task<FollowUp> CreateAsync(string agentId, string? customerId, string? recordId, string text, DateTimeOffset dueAt)
    {
        // Stored to the millisecond, with the offset it was typed in (a reminder says "10:00 (UTC+03:00)" to the agent in
        // Moscow, not "07:00 UTC"): answer with what a later read will show.
        dueAt = DateTimeOffset.FromUnixTimeMilliseconds(dueAt.ToUnixTimeMilliseconds()).ToOffset(dueAt.Offset);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
        var followUp = new FollowUp
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            AgentId = agentId,
            CustomerId = customerId,
            RecordId = recordId,
            Text = text,
            DueAt = dueAt,
            CreatedAt = now,
            Status = FollowUpStatus.Open,
        };
        var due = dueAt.ToUnixTimeMilliseconds();
        RedisValue[] fields =
        [
            "agent", agentId, "text", text, "due", due, "created", followUp.CreatedAt.ToUnixTimeMilliseconds(), "status", FollowUpStatus.Open,
            .. dueAt.Offset == TimeSpan.Zero ? Array.Empty<RedisValue>() : ["offset", (int)dueAt.Offset.TotalMinutes],
            .. customerId is null ? Array.Empty<RedisValue>() : ["customer", customerId],
            .. recordId is null ? Array.Empty<RedisValue>() : ["record", recordId],
        ];
        await Db.ScriptEvaluateAsync(CreateScript, [FollowUpKeys.FollowUp(followUp.Id), FollowUpKeys.Due, FollowUpKeys.Open(agentId)], [due, followUp.Id, .. fields]);
        return followUp;
    }

    // The stored offset in minutes; DateTimeOffset takes at most ±14 hours, and anything else is read as UTC rather than failing the read.
    private static TimeSpan Offset(string? minutes) =>
        int.TryParse(minutes, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var m) && Math.Abs(m) <= 14 * 60 ? TimeSpan.FromMinutes(m) : TimeSpan.Zero;

    public async Task<FollowUp?> GetAsync(string id)
    {
        var entries = await Db.HashGetAllAsync(FollowUpKeys.FollowUp(id));
        if (entries.Length == 0)
        {
            return null;
        }

        var f = entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        return f.TryGetValue("agent", out var agent) && f.TryGetValue("due", out var due)
            ? new FollowUp
            {
                Id = id,
                AgentId = agent,
                CustomerId = f.GetValueOrDefault("customer"),
                RecordId = f.GetValueOrDefault("record"),
                Text = f.GetValueOrDefault("text") ?? "",
                DueAt = Time(due)!.Value.ToOffset(Offset(f.GetValueOrDefault("offset"))),
                CreatedAt = Time(f.GetValueOrDefault("created")) ?? Time(due)!.Value,
                Status = f.GetValueOrDefault("status") ?? FollowUpStatus.Open,
                RemindedAt = Time(f.GetValueOrDefault("reminded")),
                DoneAt = Time(f.GetValueOrDefault("done")),
            }
            : null;
    }

    /// <summary>Open ones soonest due first, or done ones most recently done first.</summary>
    public async Task<IReadOnlyList<FollowUp>> ListAsync(string agentId, string status, int take = 200)
    {
        var ids = status == FollowUpStatus.Done
            ? await Db.SortedSetRangeByRankAsync(FollowUpKeys.Done(agentId), 0, take - 1, Order.Descending)
            : await Db.SortedSetRangeByRankAsync(FollowUpKeys.Open(agentId), 0, take - 1);
        var items = await Task.WhenAll(ids.Select(id => GetAsync(id!)));
        return [.. items.OfType<FollowUp>()];
    }

    /// <summary>Marks it done; false when it is gone (or belongs to another agent than <paramref name="agentId"/>).</summary>
    public async Task<bool> DoneAsync(string id, string agentId)
    {
        var result = (string?)await Db.ScriptEvaluateAsync(
            DoneScript,
            [FollowUpKeys.FollowUp(id), FollowUpKeys.Due, FollowUpKeys.Open(agentId), FollowUpKeys.Done(agentId), FollowUpKeys.Claimed],
            [id, agentId, time.GetUtcNow().ToUnixTimeMilliseconds(), KeepDone, (long)DoneRetention.TotalMilliseconds]);
        return result is "ok" or "already";
    }

    public async Task<bool> DeleteAsync(string id, string agentId) =>
        (string?)await Db.ScriptEvaluateAsync(
            DeleteScript,
            [FollowUpKeys.FollowUp(id), FollowUpKeys.Due, FollowUpKeys.Open(agentId), FollowUpKeys.Done(agentId), FollowUpKeys.Claimed],
            [id, agentId]) == "ok";

    /// <summary>
    /// Claims follow-ups due by now (each for this caller only, until <see cref="ClaimLease"/> is over) and marks them
    /// reminded. Confirm each once delivered with <see cref="DeliveredAsync"/>, else it is claimed again after the lease.
    /// </summary>
    public async Task<IReadOnlyList<FollowUp>> ClaimDueAsync(int max = 100)
    {
        var now = time.GetUtcNow();
        var ids = (RedisResult[]?)await Db.ScriptEvaluateAsync(
            ClaimScript, [FollowUpKeys.Due, FollowUpKeys.Claimed], [now.ToUnixTimeMilliseconds(), max, (now + ClaimLease).ToUnixTimeMilliseconds()]) ?? [];
        var claimed = new List<FollowUp>(ids.Length);
        foreach (var id in ids.Select(r => (string)r!))
        {
            if ((long)await Db.ScriptEvaluateAsync(MarkRemindedScript, [FollowUpKeys.FollowUp(id)], [now.ToUnixTimeMilliseconds()]) == 1
                && await GetAsync(id) is { Status: FollowUpStatus.Open } followUp)
            {
                claimed.Add(followUp);
            }
            else
            {
                await DeliveredAsync(id); // deleted or done meanwhile: nothing to deliver
            }
        }

        return claimed;
    }

    /// <summary>The claimed reminder went out: it is not claimed again.</summary>
    public Task DeliveredAsync(string id) => Db.SortedSetRemoveAsync(FollowUpKeys.Claimed, id);

    public async Task<FollowUpSettings> GetSettingsAsync(string agentId)
    {
        var values = await Db.HashGetAsync(FollowUpKeys.Settings(agentId), ["telegram", "telegramBot"]);
        return new() { LinkedTelegram = values[0], LinkedTelegramBot = values[1].IsNullOrEmpty ? null : (string?)values[1] };
    }

    /// <summary>Links (or, with a null <paramref name="chatId"/>, unlinks) the agent's Telegram chat; <paramref name="bot"/> is the bot they started.</summary>
    public Task SetTelegramAsync(string agentId, string? chatId, string? bot = null) =>
        chatId is null
            ? Db.HashDeleteAsync(FollowUpKeys.Settings(agentId), ["telegram", "telegramBot"])
            : Db.HashSetAsync(FollowUpKeys.Settings(agentId), [new("telegram", chatId), new("telegramBot", bot ?? "")]);

    // ---- Linking a Telegram chat by a one-time deep link (t.me/<bot>?start=agent_<code>)

    /// <summary>KEYS: the code, its used marker. ARGV: now ms, chat id, marker ttl ms. Returns ok\n&lt;agent&gt;, again\n&lt;agent&gt;, expired or unknown.</summary>
    private const string RedeemScript = """
        local v = redis.call('GET', KEYS[1])
        if v then
          redis.call('DEL', KEYS[1])
          local sep = string.find(v, '\n', 1, true)
          if tonumber(string.sub(v, 1, sep - 1)) < tonumber(ARGV[1]) then return 'expired' end
          local agent = string.sub(v, sep + 1)
          redis.call('SET', KEYS[2], ARGV[2] .. '\n' .. agent, 'PX', ARGV[3])
          return 'ok\n' .. agent
        end
        local used = redis.call('GET', KEYS[2])
        if used then
          local sep = string.find(used, '\n', 1, true)
          if string.sub(used, 1, sep - 1) == ARGV[2] then return 'again\n' .. string.sub(used, sep + 1) end
        end
        return 'unknown'
        """;

    /// <summary>A new one-time code (URL-safe, 24 characters) that links the agent's Telegram chat until <paramref name="lifetime"/> is over.</summary>
    public async Task<(string Code, DateTimeOffset ExpiresAt)> CreateTelegramLinkAsync(string agentId, TimeSpan lifetime)
    {
        var code = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
        var expiresAt = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds()) + lifetime;
        await Db.StringSetAsync(FollowUpKeys.TelegramLink(code), expiresAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "\n" + agentId, lifetime);
        return (code, expiresAt);
    }

    /// <summary>
    /// Spends a code for the chat that sent it: the agent it was made for and whether this is the first time (a
    /// webhook delivered twice comes back as not first, so the agent is confirmed once); null when it is unknown,
    /// used by another chat, or expired. Every code works once.
    /// </summary>
    public async Task<(string AgentId, bool First)?> RedeemTelegramLinkAsync(string code, long chatId)
    {
        var result = (string?)await Db.ScriptEvaluateAsync(
            RedeemScript,
            [FollowUpKeys.TelegramLink(code), FollowUpKeys.TelegramLinkUsed(code)],
            [time.GetUtcNow().ToUnixTimeMilliseconds(), chatId, (long)TimeSpan.FromDays(1).TotalMilliseconds]);
        return result switch
        {
            ['o', 'k', '\n', ..] => (result[3..], true),
            ['a', 'g', 'a', 'i', 'n', '\n', ..] => (result[6..], false),
            _ => null,
        };
    }

    private static DateTimeOffset? Time(string? unixMs) =>
        long.TryParse(unixMs, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
