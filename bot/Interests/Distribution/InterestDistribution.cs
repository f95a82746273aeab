using Microsoft.Extensions.Options;
using SupportBot.Handoff;
using StackExchange.Redis;

namespace SupportBot.Interests.Distribution;

public enum DistributionMode
{
    /// <summary>Agents take records from the feed themselves.</summary>
    None,
    /// <summary>Each new record to the next agent on duty, in turn.</summary>
    RoundRobin,
    /// <summary>Each new record to the agent on duty with the fewest open records.</summary>
    LeastLoaded,
}

/// <summary><c>Interests:*</c>: how the interest feed works.</summary>
public sealed class InterestsOptions
{
    public const string Section = "Interests";

    /// <summary>Who becomes responsible for a new open record: None (default), RoundRobin or LeastLoaded.</summary>
    public DistributionMode Distribution { get; set; } = DistributionMode.None;
}

/// <summary>
/// Hands each new open inbound record to an agent on duty (online in the handoff's presence).
/// Records the bot answered are not work; records waiting in the handoff queue are left to the
/// handoff, which gives their conversation to an agent anyway; a record someone already has stays theirs.
/// </summary>
internal sealed class InterestDistribution(
    IServiceProvider services,
    HandoffStore handoff,
    IConnectionMultiplexer redis,
    IOptions<InterestsOptions> options) : IInterestObserver
{
    // The log tells its observers, and this observer changes the log: resolved when first needed.
    private InterestLog Log => services.GetRequiredService<InterestLog>();

    public async Task RecordAddedAsync(InterestRecord record)
    {
        var mode = options.Value.Distribution;
        if (mode == DistributionMode.None || record.Direction != "in" || record.Processed
            || record.Responsible == "queue" || InterestLog.ResponsibleGroup(record.Responsible) != InterestLog.Unassigned)
        {
            return;
        }

        var onDuty = await AgentsOnDutyAsync();
        if (onDuty.Count == 0)
        {
            return;
        }

        var db = redis.GetDatabase();
        string agentId;
        if (mode == DistributionMode.RoundRobin)
        {
            var turn = await db.StringIncrementAsync(RedisKeys.InterestsRoundRobin);
            agentId = onDuty[(int)((turn - 1) % onDuty.Count)];
        }
        else
        {
            var loads = await Task.WhenAll(onDuty.Select(a => db.SortedSetLengthAsync(RedisKeys.InterestsOpenOf("agent:" + a))));
            agentId = onDuty[Array.IndexOf(loads, loads.Min())]; // ties: the first in id order
        }

        await Log.AssignIfUnassignedAsync(record.Id, agentId);
    }

    public Task RecordChangedAsync(InterestRecord before, InterestRecord after) => Task.CompletedTask;

    private async Task<List<string>> AgentsOnDutyAsync()
    {
        var ids = await handoff.AgentIdsAsync();
        var agents = await Task.WhenAll(ids.Select(handoff.GetAgentAsync));
        return [.. agents.Where(a => a is { Alive: true, Status: PresenceStatus.Online }).Select(a => a!.AgentId)];
    }
}
