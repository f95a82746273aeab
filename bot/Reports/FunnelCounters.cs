using StackExchange.Redis;
using SupportBot.Customers;
using SupportBot.Handoff;

namespace SupportBot.Reports;

/// <summary>
/// Counts customers' moves between funnel stages by the day, ISO week and month they happened in
/// (<see cref="RedisKeys.ReportFunnel"/>, field <c>m:&lt;from&gt;\n&lt;to&gt;</c>), so the funnel report reads a few
/// small hashes for any period. The moves themselves are in each customer's stage history.
/// </summary>
public sealed class FunnelCounters(IConnectionMultiplexer redis, ReportCounters counters) : ICustomerStageObserver
{
    private const string Separator = "\n";

    public Task StageChangedAsync(string customerId, CustomerStageMove move) => AddAsync(move.From, move.To, move.At);

    /// <summary>Counts one move from <paramref name="from"/> to <paramref name="to"/> at <paramref name="at"/>.</summary>
    public async Task AddAsync(string from, string to, DateTimeOffset at)
    {
        // One transaction: the day, its week and its month never disagree.
        var transaction = redis.GetDatabase().CreateTransaction();
        var field = MoveField(from, to);
        var writes = counters.PeriodKeys(at, Key).Select(key => transaction.HashIncrementAsync(key, field)).ToArray();
        await transaction.ExecuteAsync();
        await Task.WhenAll(writes);
    }

    public static RedisKey Key(ReportPeriod unit, DateOnly start) => RedisKeys.ReportFunnel(unit.ToString().ToLowerInvariant(), ReportCounters.DayKey(start));

    public static string MoveField(string from, string to) => "m:" + from + Separator + to;

    /// <summary>The stages of a move field, or null for another field.</summary>
    public static (string From, string To)? ParseMoveField(string field)
    {
        var separator = field.IndexOf(Separator, StringComparison.Ordinal);
        return field.StartsWith("m:", StringComparison.Ordinal) && separator > 2 ? (field[2..separator], field[(separator + 1)..]) : null;
    }
}
