using Microsoft.Extensions.Options;
using SupportBot.Handoff;
using StackExchange.Redis;

namespace SupportBot.Interests.Distribution;

/// <summary>
/// Hands each new open inbound record to an agent on duty (online in the handoff's presence): by the first
/// matching <c>Interests:Rules</c> rule (its agents, or its department's, in its mode), else by the global
/// <c>Interests:Distribution</c>. Records the bot answered are not work; records waiting in the handoff queue
/// are left to the handoff, which gives their conversation to an agent anyway; a record someone already has stays theirs.
/// </summary>
internal sealed class InterestDistribution(
    IServiceProvider services,
    HandoffStore handoff,
    InterestRouting routing,
    IConnectionMultiplexer redis,
    IOptions<InterestsOptions> options) : IInterestObserver
{
    // The log tells its observers, and this observer changes the log: resolved when first needed.
    private InterestLog Log => services.GetRequiredService<InterestLog>();

    public async Task RecordAddedAsync(InterestRecord record)
    {
        if (record.Direction != "in" || record.Processed
            || record.Responsible == "queue" || InterestLog.ResponsibleGroup(record.Responsible) != InterestLog.Unassigned)
        {
            return;
        }

        var match = routing.Match(record);
        var mode = match?.Rule.Mode ?? options.Value.Distribution;
        if (mode == DistributionMode.None)
        {
            return;
        }

        var onDuty = await AgentsOnDutyAsync();
        if (match is { Rule: var rule })
        {
            // The rule's own agents; else its department's (an agent who names no departments serves them all).
            onDuty = rule.Agents.Count > 0
                ? [.. onDuty.Where(a => rule.Agents.Contains(a.AgentId, StringComparer.Ordinal))]
                : rule.Department is { } department
                    ? [.. onDuty.Where(a => a.Departments.Count == 0 || a.Departments.Contains(department, StringComparer.Ordinal))]
                    : onDuty;
        }

        if (onDuty.Count == 0)
        {
            return;
        }

        var db = redis.GetDatabase();
        string agentId;
        if (mode == DistributionMode.RoundRobin)
        {
            var turn = await db.StringIncrementAsync(match is { } m ? RedisKeys.InterestsRuleRoundRobin(m.Index) : RedisKeys.InterestsRoundRobin);
            agentId = onDuty[(int)((turn - 1) % onDuty.Count)].AgentId;
        }
        else
        {
            var loads = await Task.WhenAll(onDuty.Select(a => db.SortedSetLengthAsync(RedisKeys.InterestsOpenOf("agent:" + a.AgentId))));
            agentId = onDuty[Array.IndexOf(loads, loads.Min())].AgentId; // ties: the first in id order
        }

        await Log.AssignIfUnassignedAsync(record.Id, agentId);
    }

    public Task RecordChangedAsync(InterestRecord before, InterestRecord after) => Task.CompletedTask;

    private async Task<List<AgentState>> AgentsOnDutyAsync()
    {
        var ids = await handoff.AgentIdsAsync();
        var agents = await Task.WhenAll(ids.Select(handoff.GetAgentAsync));
        return [.. agents.Where(a => a is { Alive: true, Status: PresenceStatus.Online }).Select(a => a!)];
    }
}
