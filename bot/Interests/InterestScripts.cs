namespace SupportBot.Interests;

/// <summary>
/// The interest feed's Lua scripts. Each changes a record's work state and every index that
/// depends on it in one step, so "take it" and "processed" are atomic. The caller reads the
/// current state first and names the index keys it implies (every key a script touches is in
/// KEYS); the script refuses with -1 when the state changed meanwhile, and the caller reads again.
/// The feed's indexes are global keys: run these on one Redis or Garnet, not on a Redis Cluster.
/// </summary>
internal static class InterestScripts
{
    /// <summary>Moves a record between the responsible and open indexes. KEYS from 3 of the caller's list.</summary>
    private const string Move = """
        local function move(id, score, inbound, doneAfter, respBefore, respAfter, openBefore, openAfter, open, convOpen)
          redis.call('ZREM', respBefore, id)
          redis.call('ZADD', respAfter, score, id)
          redis.call('ZREM', openBefore, id)
          redis.call('ZREM', open, id)
          redis.call('ZREM', convOpen, id)
          if inbound == '1' and doneAfter == '0' then
            redis.call('ZADD', openAfter, score, id)
            redis.call('ZADD', open, score, id)
            redis.call('ZADD', convOpen, score, id)
          end
        end

        """;

    /// <summary>
    /// Stores a record (the JSON as written) and indexes it. On a re-run of the same event the
    /// JSON is overwritten, but work a person (or the distribution) did on it is kept.
    /// KEYS: 1 record, 2 work, 3 by-time, 4 by-source, 5 by-action, 6 by-direction, 7 by-product,
    /// 8 resp index before, 9 resp index after, 10 open-of-resp before, 11 open-of-resp after, 12 open,
    /// 13 conversation's open, 14… word indexes.
    /// ARGV: 1 id, 2 score, 3 json, 4 resp before, 5 done before ('' = no state yet), 6 resp after,
    /// 7 done after, 8 inbound 1/0, 9 has product 1/0, 10 source, 11 action, 12 direction,
    /// 13 product (lower-case), 14 conversation, 15 processed at ms ('' = none), 16 processed by.
    /// Returns 1 for a new record, 0 for a re-run, -1 when the work state changed since it was read.
    /// </summary>
    public const string Append = Move + """
        local cur = redis.call('HMGET', KEYS[2], 'resp', 'done', 'w')
        if not cur[3] and ((cur[1] or '') ~= ARGV[4] or (cur[2] or '') ~= ARGV[5]) then return -1 end
        local added = redis.call('SET', KEYS[1], ARGV[3], 'NX')
        if not added then redis.call('SET', KEYS[1], ARGV[3]) end
        if cur[3] then
          redis.call('HSET', KEYS[2], 'src', ARGV[10], 'act', ARGV[11], 'dir', ARGV[12], 'prod', ARGV[13], 'conv', ARGV[14])
        else
          if cur[2] then
            move(ARGV[1], ARGV[2], ARGV[8], ARGV[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12], KEYS[13])
            if ARGV[15] == '' then redis.call('HDEL', KEYS[2], 'at', 'by') end
          else
            -- new: in no index yet, so only the additions
            redis.call('ZADD', KEYS[9], ARGV[2], ARGV[1])
            if ARGV[8] == '1' and ARGV[7] == '0' then
              redis.call('ZADD', KEYS[11], ARGV[2], ARGV[1])
              redis.call('ZADD', KEYS[12], ARGV[2], ARGV[1])
              redis.call('ZADD', KEYS[13], ARGV[2], ARGV[1])
            end
          end
          if ARGV[15] ~= '' then
            redis.call('HSET', KEYS[2], 'resp', ARGV[6], 'done', ARGV[7], 'at', ARGV[15], 'by', ARGV[16],
              'src', ARGV[10], 'act', ARGV[11], 'dir', ARGV[12], 'prod', ARGV[13], 'conv', ARGV[14])
          else
            redis.call('HSET', KEYS[2], 'resp', ARGV[6], 'done', ARGV[7],
              'src', ARGV[10], 'act', ARGV[11], 'dir', ARGV[12], 'prod', ARGV[13], 'conv', ARGV[14])
          end
        end
        redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
        redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
        redis.call('ZADD', KEYS[5], ARGV[2], ARGV[1])
        redis.call('ZADD', KEYS[6], ARGV[2], ARGV[1])
        if ARGV[9] == '1' then redis.call('ZADD', KEYS[7], ARGV[2], ARGV[1]) end
        for i = 14, #KEYS do redis.call('ZADD', KEYS[i], ARGV[2], ARGV[1]) end
        if added then return 1 end
        return 0
        """;

    /// <summary>
    /// Changes a record's work state if it is still what the caller read.
    /// KEYS: 1 work, 2 resp index before, 3 resp index after, 4 open-of-resp before, 5 open-of-resp after,
    /// 6 open, 7 conversation's open.
    /// ARGV: 1 id, 2 score, 3 resp before, 4 done before, 5 resp after, 6 done after, 7 inbound 1/0,
    /// 8 number n of fields to set, then n field/value pairs, then the fields to delete.
    /// Returns 1, -1 when the state changed since it was read, -2 when the record has no work state.
    /// </summary>
    public const string Change = Move + """
        local cur = redis.call('HMGET', KEYS[1], 'resp', 'done')
        if not cur[2] then return -2 end
        if (cur[1] or '') ~= ARGV[3] or cur[2] ~= ARGV[4] then return -1 end
        move(ARGV[1], ARGV[2], ARGV[7], ARGV[6], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
        redis.call('HSET', KEYS[1], 'resp', ARGV[5], 'done', ARGV[6], 'w', '1')
        local n = tonumber(ARGV[8])
        local i = 9
        for _ = 1, n do
          redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
          i = i + 2
        end
        while i <= #ARGV do
          redis.call('HDEL', KEYS[1], ARGV[i])
          i = i + 1
        end
        return 1
        """;

    /// <summary>
    /// Adds and removes tags: each a work-hash field <c>t:&lt;tag&gt;</c> and the record in the tag's index.
    /// KEYS: 1 work, then the index of each tag to add, then of each to remove.
    /// ARGV: 1 id, 2 score, 3 n tags to add, 4 most tags a record may carry, then the n tags to add, then those to remove.
    /// Returns 1 when something changed, 0 when nothing did, -2 when the record has no work state, -3 when it would carry too many.
    /// </summary>
    public const string ChangeTags = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -2 end
        local have, count = {}, 0
        for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
          if string.sub(f, 1, 2) == 't:' then have[string.sub(f, 3)] = true; count = count + 1 end
        end
        local n, changed = tonumber(ARGV[3]), 0
        for i = 5, 4 + n do if not have[ARGV[i]] then have[ARGV[i]] = true; count = count + 1; changed = 1 end end
        for i = 5 + n, #ARGV do if have[ARGV[i]] then have[ARGV[i]] = nil; count = count - 1; changed = 1 end end
        if count > tonumber(ARGV[4]) then return -3 end
        for i = 1, n do
          redis.call('HSET', KEYS[1], 't:' .. ARGV[4 + i], '1')
          redis.call('ZADD', KEYS[1 + i], ARGV[2], ARGV[1])
        end
        for i = 5 + n, #ARGV do
          redis.call('HDEL', KEYS[1], 't:' .. ARGV[i])
          redis.call('ZREM', KEYS[i - 3], ARGV[1])
        end
        return changed
        """;

    /// <summary>
    /// Removes a record past the retention: its JSON, its work state and every index entry, if its responsible and
    /// tags are still what the caller read (they name the index keys).
    /// KEYS: 1 record, 2 work, then every index the record may be in (time, source, action, direction, product,
    /// responsible, open of the responsible, open, the conversation's open, words, tags).
    /// ARGV: 1 id, 2 responsible as read, 3 n tags as read, then the tags. Returns 1 when this call removed it, 0 when it
    /// was gone already (another instance), -1 when the work state changed.
    /// </summary>
    public const string Remove = """
        local fields = redis.call('HKEYS', KEYS[2])
        local resp = redis.call('HGET', KEYS[2], 'resp') or ''
        if #fields > 0 and resp ~= ARGV[2] then return -1 end
        local count = 0
        for _, f in ipairs(fields) do if string.sub(f, 1, 2) == 't:' then count = count + 1 end end
        if count ~= tonumber(ARGV[3]) then return -1 end
        for i = 4, #ARGV do
          if redis.call('HEXISTS', KEYS[2], 't:' .. ARGV[i]) == 0 then return -1 end
        end
        for i = 3, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
        if redis.call('DEL', KEYS[1], KEYS[2]) > 0 then return 1 end
        return 0
        """;

    /// <summary>
    /// An agent's reply outside a handoff (from the feed): into the conversation's outbox and
    /// transcript (one slot: the conversation's); the caller then makes the conversation due for sending.
    /// KEYS: 1 outbox, 2 transcript. ARGV: 1 item, 2 entry, 3 ttl ms.
    /// </summary>
    public const string QueueReply = """
        redis.call('RPUSH', KEYS[1], ARGV[1])
        redis.call('RPUSH', KEYS[2], ARGV[2])
        redis.call('LTRIM', KEYS[2], -500, -1)
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        return 1
        """;
}
