using System.Collections.Concurrent;
using StackExchange.Redis;

namespace SupportBot.Dialogs.Engine;

/// <summary>
/// Dialog state in Redis: key <c>{c:&lt;conversation&gt;}:dialogs</c> (same hash slot as the host's
/// conversation keys), value the state's JSON, whose first property is its version <c>"v"</c>. A save is
/// one Lua script that compares that version and sets the value with a TTL.
/// </summary>
/// <remarks>
/// With <paramref name="nearCacheCapacity"/> &gt; 0 the store remembers what it last saved or loaded per
/// conversation and serves loads from that, so a turn costs one round trip (the save) instead of two.
/// That is safe because every save still compares versions in Redis: if another process saved in
/// between, the save fails with <see cref="ConcurrencyException"/>, the entry is dropped and the runner's
/// retry loads from Redis. Worth it when one process usually owns a conversation (the host's lease).
/// </remarks>
public sealed class RedisDialogStateStore(IDatabase database, TimeSpan? timeToLive = null, int nearCacheCapacity = 0) : IDialogStateStore
{
    // The stored JSON always starts {"v":<n>, (DialogStateSerializer writes it first).
    private const string SaveScript = """
        local current = redis.call('GET', KEYS[1])
        local version = 0
        if current then
          version = tonumber(string.match(current, '^{"v":(%d+)')) or -1
        end
        if version ~= tonumber(ARGV[1]) then
          return version
        end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        return -1
        """;

    // EVALSHA by a hash computed here: measurably cheaper per call than passing the script text.
    private static readonly byte[] SaveScriptHash = System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(SaveScript));

    private readonly long _ttlMilliseconds = (long)(timeToLive ?? TimeSpan.FromDays(30)).TotalMilliseconds;
    private readonly ConcurrentDictionary<string, StoredDialogState>? _nearCache =
        nearCacheCapacity > 0 ? new ConcurrentDictionary<string, StoredDialogState>(StringComparer.Ordinal) : null;

    public static RedisKey KeyFor(string conversationId) => "{c:" + conversationId + "}:dialogs";

    public async ValueTask<StoredDialogState> LoadAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        if (_nearCache is not null && _nearCache.TryGetValue(conversationId, out var cached))
        {
            return cached;
        }

        var value = await database.StringGetAsync(KeyFor(conversationId)).ConfigureAwait(false);
        if (value.IsNull)
        {
            return default;
        }

        byte[] json = value!;
        var stored = new StoredDialogState(json, ReadVersion(json));
        Remember(conversationId, stored);
        return stored;
    }

    public async ValueTask SaveAsync(string conversationId, ReadOnlyMemory<byte> json, long expectedVersion, CancellationToken cancellationToken = default)
    {
        RedisKey[] keys = [KeyFor(conversationId)];
        RedisValue[] values = [expectedVersion, json, _ttlMilliseconds];
        long result;
        try
        {
            result = (long)await database.ScriptEvaluateAsync(SaveScriptHash, keys, values).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // a fresh or restarted server: send the script itself (which also caches it there)
            result = (long)await database.ScriptEvaluateAsync(SaveScript, keys, values).ConfigureAwait(false);
        }

        if (result != -1)
        {
            _nearCache?.TryRemove(conversationId, out _);
            throw new ConcurrencyException(conversationId, expectedVersion, result);
        }

        Remember(conversationId, new StoredDialogState(json, expectedVersion + 1));
    }

    public async ValueTask DeleteAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        _nearCache?.TryRemove(conversationId, out _);
        await database.KeyDeleteAsync(KeyFor(conversationId)).ConfigureAwait(false);
    }

    private void Remember(string conversationId, StoredDialogState stored)
    {
        if (_nearCache is null)
        {
            return;
        }

        if (_nearCache.Count >= nearCacheCapacity && !_nearCache.ContainsKey(conversationId))
        {
            _nearCache.Clear(); // crude but bounded; a miss only costs a GET
        }

        _nearCache[conversationId] = stored;
    }

    /// <summary>The n of a leading <c>{"v":n</c>; -1 when absent.</summary>
    internal static long ReadVersion(ReadOnlySpan<byte> json)
    {
        ReadOnlySpan<byte> prefix = "{\"v\":"u8;
        if (!json.StartsWith(prefix))
        {
            return -1;
        }

        long version = 0;
        for (var i = prefix.Length; i < json.Length && json[i] is >= (byte)'0' and <= (byte)'9'; i++)
        {
            version = (version * 10) + (json[i] - '0');
        }

        return version;
    }
}
