namespace SupportBot.Customers;

/// <summary>
/// The customers' Lua scripts. Each declares every key it touches (all under <c>{cust}</c>) and
/// checks that what the caller read beforehand still holds; when it does not, it answers
/// <c>retry</c> and the caller reads again. So two hosts linking the same person never split them.
/// </summary>
internal static class CustomerScripts
{
    /// <summary>Shared helpers: search members are <c>term \0 id</c>.</summary>
    private const string Helpers = """
        local function member(term, id) return term .. '\0' .. id end
        local function setname(search, h, nterms, id, name, first, count)
          for _, t in ipairs(redis.call('SMEMBERS', nterms)) do redis.call('ZREM', search, member(t, id)) end
          redis.call('DEL', nterms)
          for i = first, first + count - 1 do
            redis.call('SADD', nterms, ARGV[i])
            redis.call('ZADD', search, 0, member(ARGV[i], id))
          end
          redis.call('HSET', h, 'name', name)
        end

        """;

    /// <summary>
    /// Link an identity (and the e-mail/phone it gave) to a customer and add a record.
    /// KEYS: by-identity, by-email, by-phone, by-conversation, search, then the customer's 10 keys (see <see cref="CustomerKeys.All"/>).
    /// ARGV: 1 id, 2 identity, 3 identity json, 4 identity's owner as read ('' none), 5 email ('' none), 6 its owner as read,
    /// 7 phone, 8 its owner as read, 9 conversation, 10 record id ('' none), 11 record unix ms, 12 name ('' none),
    /// 13 '1' when the name was given in a request (then the identity as the channel shows it is kept), 14 photo, 15 first funnel stage,
    /// 16 n name terms, 17.. terms, then m contact terms, then the terms, then '1' when the e-mail and phone are proven
    /// (only then are they indexed, to link other sightings by; unproven ones only go on this customer).
    /// Returns ok or retry.
    /// </summary>
    public const string Link = Helpers + """
        local id = ARGV[1]
        local h = KEYS[6]
        local proven = ARGV[18 + tonumber(ARGV[16]) + tonumber(ARGV[17 + tonumber(ARGV[16])])] == '1'
        if (redis.call('HGET', KEYS[1], ARGV[2]) or '') ~= ARGV[4] then return 'retry' end
        if proven and ARGV[5] ~= '' and (redis.call('HGET', KEYS[2], ARGV[5]) or '') ~= ARGV[6] then return 'retry' end
        if proven and ARGV[7] ~= '' and (redis.call('HGET', KEYS[3], ARGV[7]) or '') ~= ARGV[8] then return 'retry' end
        if redis.call('HEXISTS', h, 'merged') == 1 then return 'retry' end
        local at = tonumber(ARGV[11])
        if redis.call('EXISTS', h) == 0 then
          redis.call('HSET', h, 'status', 'new', 'stage', ARGV[15], 'first', ARGV[11], 'last', ARGV[11])
        else
          if at < tonumber(redis.call('HGET', h, 'first') or ARGV[11]) then redis.call('HSET', h, 'first', ARGV[11]) end
          if at > tonumber(redis.call('HGET', h, 'last') or ARGV[11]) then redis.call('HSET', h, 'last', ARGV[11]) end
        end
        redis.call('HSET', KEYS[1], ARGV[2], id)
        if ARGV[13] == '1' then redis.call('HSETNX', KEYS[7], ARGV[2], ARGV[3]) else redis.call('HSET', KEYS[7], ARGV[2], ARGV[3]) end
        if ARGV[5] ~= '' then
          if proven then redis.call('HSET', KEYS[2], ARGV[5], id) end
          redis.call('SADD', KEYS[8], ARGV[5])
        end
        if ARGV[7] ~= '' then
          if proven then redis.call('HSET', KEYS[3], ARGV[7], id) end
          redis.call('SADD', KEYS[9], ARGV[7])
        end
        redis.call('HSET', KEYS[4], ARGV[9], id)
        redis.call('SADD', KEYS[13], ARGV[9])
        if ARGV[10] ~= '' then redis.call('ZADD', KEYS[12], ARGV[11], ARGV[10]) end
        local n = tonumber(ARGV[16])
        local name = redis.call('HGET', h, 'name')
        if ARGV[12] ~= '' and (not name or (ARGV[13] == '1' and name ~= ARGV[12] and redis.call('HGET', h, 'nameByAgent') ~= '1')) then
          setname(KEYS[5], h, KEYS[15], id, ARGV[12], 17, n)
        end
        if ARGV[14] ~= '' and not redis.call('HGET', h, 'photo') then redis.call('HSET', h, 'photo', ARGV[14]) end
        local m = tonumber(ARGV[17 + n])
        for i = 18 + n, 17 + n + m do
          redis.call('SADD', KEYS[14], ARGV[i])
          redis.call('ZADD', KEYS[5], 0, member(ARGV[i], id))
        end
        return 'ok'
        """;

    /// <summary>
    /// Add a record of a conversation to its customer; an agent's reply moves a new customer to contacted.
    /// KEYS: by-conversation, customer, records. ARGV: conversation, id, record id, unix ms, '1' when an agent wrote it.
    /// Returns ok, or retry when the conversation now belongs to someone else.
    /// </summary>
    public const string AddRecord = """
        if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] or redis.call('HEXISTS', KEYS[2], 'merged') == 1 then return 'retry' end
        redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
        if tonumber(ARGV[4]) > tonumber(redis.call('HGET', KEYS[2], 'last') or '0') then redis.call('HSET', KEYS[2], 'last', ARGV[4]) end
        if ARGV[5] == '1' and redis.call('HGET', KEYS[2], 'status') == 'new' then redis.call('HSET', KEYS[2], 'status', 'contacted') end
        return 'ok'
        """;

    /// <summary>
    /// Move everything of the other customer into the target; the other id then only says where it went.
    /// KEYS: by-identity, by-email, by-phone, by-conversation, search, the target's 10 keys, the other's 10 keys,
    /// the target's stage history, the other's.
    /// ARGV: 1 target id, 2 other id, 3 first funnel stage. Returns ok, same, no-target or no-other.
    /// </summary>
    public const string Merge = Helpers + """
        local t, o = ARGV[1], ARGV[2]
        if t == o then return 'same' end
        local th, oh = KEYS[6], KEYS[16]
        if redis.call('EXISTS', th) == 0 or redis.call('HEXISTS', th, 'merged') == 1 then return 'no-target' end
        if redis.call('EXISTS', oh) == 0 or redis.call('HEXISTS', oh, 'merged') == 1 then return 'no-other' end
        local pairs_ = redis.call('HGETALL', KEYS[17])
        for i = 1, #pairs_, 2 do
          redis.call('HSET', KEYS[7], pairs_[i], pairs_[i + 1])
          redis.call('HSET', KEYS[1], pairs_[i], t)
        end
        -- Only what the other owned in the indexes moves there: an unproven contact stays out of them.
        for _, e in ipairs(redis.call('SMEMBERS', KEYS[18])) do
          redis.call('SADD', KEYS[8], e)
          if redis.call('HGET', KEYS[2], e) == o then redis.call('HSET', KEYS[2], e, t) end
        end
        for _, p in ipairs(redis.call('SMEMBERS', KEYS[19])) do
          redis.call('SADD', KEYS[9], p)
          if redis.call('HGET', KEYS[3], p) == o then redis.call('HSET', KEYS[3], p, t) end
        end
        for _, g in ipairs(redis.call('SMEMBERS', KEYS[20])) do redis.call('SADD', KEYS[10], g) end
        for _, note in ipairs(redis.call('LRANGE', KEYS[21], 0, -1)) do redis.call('RPUSH', KEYS[11], note) end
        local records = redis.call('ZRANGE', KEYS[22], 0, -1, 'WITHSCORES')
        for i = 1, #records, 2 do redis.call('ZADD', KEYS[12], records[i + 1], records[i]) end
        for _, c in ipairs(redis.call('SMEMBERS', KEYS[23])) do redis.call('SADD', KEYS[13], c); redis.call('HSET', KEYS[4], c, t) end
        for _, term in ipairs(redis.call('SMEMBERS', KEYS[24])) do
          redis.call('ZREM', KEYS[5], member(term, o))
          redis.call('SADD', KEYS[14], term)
          redis.call('ZADD', KEYS[5], 0, member(term, t))
        end
        local oname = redis.call('HGET', oh, 'name')
        local onames = redis.call('SMEMBERS', KEYS[25])
        for _, term in ipairs(onames) do redis.call('ZREM', KEYS[5], member(term, o)) end
        if oname and not redis.call('HGET', th, 'name') then
          redis.call('HSET', th, 'name', oname)
          for _, term in ipairs(onames) do redis.call('SADD', KEYS[15], term); redis.call('ZADD', KEYS[5], 0, member(term, t)) end
        end
        local ophoto = redis.call('HGET', oh, 'photo')
        if ophoto and not redis.call('HGET', th, 'photo') then redis.call('HSET', th, 'photo', ophoto) end
        local ofs, tfs = redis.call('HGET', oh, 'first'), redis.call('HGET', th, 'first')
        if ofs and (not tfs or tonumber(ofs) < tonumber(tfs)) then redis.call('HSET', th, 'first', ofs) end
        local ols, tls = redis.call('HGET', oh, 'last'), redis.call('HGET', th, 'last')
        if ols and (not tls or tonumber(ols) > tonumber(tls)) then redis.call('HSET', th, 'last', ols) end
        local rank = { new = 0, contacted = 1, lead = 2, customer = 3, blocked = 4 }
        local ts, os = redis.call('HGET', th, 'status') or 'new', redis.call('HGET', oh, 'status') or 'new'
        if (rank[os] or 0) > (rank[ts] or 0) then redis.call('HSET', th, 'status', os) end
        local ostage = redis.call('HGET', oh, 'stage')
        if ostage and (redis.call('HGET', th, 'stage') or ARGV[3]) == ARGV[3] then redis.call('HSET', th, 'stage', ostage) end
        for _, move in ipairs(redis.call('LRANGE', KEYS[27], 0, -1)) do redis.call('RPUSH', KEYS[26], move) end
        for i = 17, 25 do redis.call('DEL', KEYS[i]) end
        redis.call('DEL', KEYS[27])
        redis.call('DEL', oh)
        redis.call('HSET', oh, 'merged', t)
        return 'ok'
        """;

    /// <summary>
    /// An agent's edit. A new stage is checked against the stage the caller read, and a move is written down in the
    /// customer's stage history (newest last, the latest kept).
    /// KEYS: search, customer, tags, name terms, stage history.
    /// ARGV: 1 id, 2 status ('' keep), 3 stage ('' keep), 4 '1' to replace the tags, 5 name ('' keep),
    /// 6 n tags, the tags, then m name terms, the terms, then: the stage as read, the first funnel stage,
    /// the history entry (json), history entries kept. Returns ok, moved (the stage changed), retry or gone.
    /// </summary>
    public const string Update = Helpers + """
        local id, h = ARGV[1], KEYS[2]
        if redis.call('EXISTS', h) == 0 or redis.call('HEXISTS', h, 'merged') == 1 then return 'gone' end
        local n = tonumber(ARGV[6])
        local x = 8 + n + tonumber(ARGV[7 + n])
        local result = 'ok'
        if ARGV[3] ~= '' then
          local was = redis.call('HGET', h, 'stage') or ARGV[x + 1]
          if was ~= ARGV[x] then return 'retry' end
          if was ~= ARGV[3] then
            redis.call('HSET', h, 'stage', ARGV[3])
            redis.call('RPUSH', KEYS[5], ARGV[x + 2])
            redis.call('LTRIM', KEYS[5], -tonumber(ARGV[x + 3]), -1)
            result = 'moved'
          end
        end
        if ARGV[2] ~= '' then redis.call('HSET', h, 'status', ARGV[2]) end
        if ARGV[4] == '1' then
          redis.call('DEL', KEYS[3])
          for i = 7, 6 + n do redis.call('SADD', KEYS[3], ARGV[i]) end
        end
        if ARGV[5] ~= '' then
          setname(KEYS[1], h, KEYS[4], id, ARGV[5], 8 + n, tonumber(ARGV[7 + n]))
          redis.call('HSET', h, 'nameByAgent', '1')
        end
        return result
        """;

    /// <summary>Append a note. KEYS: customer, notes. ARGV: note json, most kept. Returns ok or gone.</summary>
    public const string AddNote = """
        if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'merged') == 1 then return 'gone' end
        redis.call('RPUSH', KEYS[2], ARGV[1])
        redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
        return 'ok'
        """;

    /// <summary>
    /// Forget a customer (a request to erase their data): every index entry that points to them, then their keys.
    /// KEYS: by-identity, by-email, by-phone, by-conversation, search, the customer's 10 keys (see <see cref="CustomerKeys.All"/>), stages.
    /// ARGV: 1 id. Returns 1, or 0 when there is no such customer (merged away or gone).
    /// </summary>
    public const string Erase = Helpers + """
        local id = ARGV[1]
        if redis.call('HEXISTS', KEYS[6], 'status') == 0 then return 0 end
        local function unindex(index, members)
          for _, m in ipairs(members) do
            if redis.call('HGET', index, m) == id then redis.call('HDEL', index, m) end
          end
        end
        unindex(KEYS[1], redis.call('HKEYS', KEYS[7]))
        unindex(KEYS[2], redis.call('SMEMBERS', KEYS[8]))
        unindex(KEYS[3], redis.call('SMEMBERS', KEYS[9]))
        unindex(KEYS[4], redis.call('SMEMBERS', KEYS[13]))
        for _, t in ipairs(redis.call('SMEMBERS', KEYS[14])) do redis.call('ZREM', KEYS[5], member(t, id)) end
        for _, t in ipairs(redis.call('SMEMBERS', KEYS[15])) do redis.call('ZREM', KEYS[5], member(t, id)) end
        for i = 6, 16 do redis.call('DEL', KEYS[i]) end
        return 1
        """;
}
