using System.Globalization;
using StackExchange.Redis;
using SupportBot.Handoff;

namespace SupportBot.Reports;

/// <summary>
/// Moves report counters written in the earlier layout (every dimension of a period in one hash,
/// <see cref="RedisKeys.ReportCountersCombined"/>) into the per-dimension hashes of <see cref="ReportCounters"/>, once at
/// the first start of this version, so reports keep the history counted before. Each old hash moves in one script that
/// adds its counts and deletes it: nothing is counted twice, a second instance doing the same finds it gone, and new
/// records are written to the new hashes only. (An instance of the earlier version still running would write old hashes
/// that are not moved: upgrade all instances together.)
/// </summary>
public sealed class ReportCountersUpgrade(IConnectionMultiplexer redis, ILogger<ReportCountersUpgrade> logger) : BackgroundService
{
    // KEYS[1] = the old hash, then the new hashes of the dimensions named in ARGV (same order; total first).
    private const string MoveScript = """
        local target = {}
        for i = 1, #ARGV do target[ARGV[i]] = KEYS[i + 1] end
        local flat = redis.call('HGETALL', KEYS[1])
        for i = 1, #flat, 2 do
          local kind, rest = string.match(flat[i], '^([cp]):(.*)$')
          if kind then
            if rest == 'total' then
              redis.call('HINCRBY', target['total'], kind, flat[i + 1])
            else
              local dimension, key = string.match(rest, '^([^:]+):(.*)$')
              if dimension and target[dimension] then redis.call('HINCRBY', target[dimension], kind .. ':' .. key, flat[i + 1]) end
            end
          end
        end
        redis.call('DEL', KEYS[1])
        return 1
        """;

    private static readonly string[] Units = ["day", "week", "month"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var moved = await UpgradeAsync(stoppingToken);
            if (moved > 0)
            {
                Log.ReportCountersUpgraded(logger, moved);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException && !stoppingToken.IsCancellationRequested)
        {
            Log.ReportCountersUpgradeFailed(logger, e.Message);
        }
    }

    /// <summary>
    /// Moves every hash of the earlier layout, unless that was done before (<see cref="RedisKeys.ReportCountersLayout"/>):
    /// one SCAN over the whole key space, then never again. How many hashes moved.
    /// </summary>
    public async Task<int> UpgradeAsync(CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        if (await db.KeyExistsAsync(RedisKeys.ReportCountersLayout))
        {
            return 0;
        }

        RedisValue[] dimensions = [ReportCounters.Total, .. ReportCounters.Dimensions];
        const string prefix = RedisKeys.ReportsPrefix;
        var moved = 0;
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(db.Database, prefix + "*", pageSize: 1000).WithCancellation(cancellationToken))
            {
                // {reports}:day:2024-01-31, {reports}:week:…, {reports}:month:…; not the new layout's, first responses' or funnel's.
                var parts = ((string)key!)[prefix.Length..].Split(':');
                if (parts.Length != 2 || !Units.Contains(parts[0]) || !DateOnly.TryParseExact(parts[1], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                {
                    continue;
                }

                RedisKey[] keys = [key, .. dimensions.Select(d => RedisKeys.ReportCounts((string)d!, parts[0], parts[1]))];
                await db.ScriptEvaluateAsync(MoveScript, keys, dimensions);
                moved++;
            }
        }

        await db.StringSetAsync(RedisKeys.ReportCountersLayout, "per-dimension");
        return moved;
    }
}
