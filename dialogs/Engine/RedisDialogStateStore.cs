using StackExchange.Redis;

namespace SupportBot.Dialogs.Engine;

/// <summary>
/// Dialog state in Redis: key <c>{c:&lt;conversation&gt;}:dialogs</c> (same hash slot as the host's
/// conversation keys), value the state's JSON, whose first property is its version <c>"v"</c>. A save is
/// one Lua script that compares that version and sets the value with a TTL.
/// </summary>
public sealed class RedisDialogStateStore(IDatabase database, TimeSpan? timeToLive = null) : IDialogStateStore
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

    private readonly long _ttlMilliseconds = (long)(timeToLive ?? TimeSpan.FromDays(30)).TotalMilliseconds;

    public static RedisKey KeyFor(string conversationId) => "{c:" + conversationId + "}:dialogs";

    public async ValueTask<StoredDialogState> LoadAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        var value = await database.StringGetAsync(KeyFor(conversationId)).ConfigureAwait(false);
        if (value.IsNull)
        {
            return default;
        }

        byte[] json = value!;
        return new StoredDialogState(json, ReadVersion(json));
    }

    public async ValueTask SaveAsync(string conversationId, ReadOnlyMemory<byte> json, long expectedVersion, CancellationToken cancellationToken = default)
    {
        var result = (long)await database.ScriptEvaluateAsync(
            SaveScript,
            [KeyFor(conversationId)],
            [expectedVersion, json, _ttlMilliseconds]).ConfigureAwait(false);
        if (result != -1)
        {
            throw new ConcurrencyException(conversationId, expectedVersion, result);
        }
    }

    public async ValueTask DeleteAsync(string conversationId, CancellationToken cancellationToken = default) =>
        await database.KeyDeleteAsync(KeyFor(conversationId)).ConfigureAwait(false);

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
