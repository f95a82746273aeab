using Microsoft.Extensions.Options;
using SupportBot.Handoff;
using StackExchange.Redis;

namespace SupportBot.Interests.Distribution;

/// <summary>
/// Which <c>Interests:Rules</c> rule a record falls under, and so which department it belongs to: the one
/// the handoff put it in (an offline request's, or its conversation's while a person has it or it waits in
/// a queue), else the first matching rule's.
/// </summary>
public sealed class InterestRouting(IOptions<InterestsOptions> options, IConnectionMultiplexer redis)
{
    /// <summary>The first rule that matches the record, with its position in the settings; null when none does.</summary>
    public (int Index, InterestRule Rule)? Match(InterestRecord record)
    {
        var rules = options.Value.Rules;
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i].Matches(record))
            {
                return (i, rules[i]);
            }
        }

        return null;
    }

    /// <summary>The department of an inbound record; null for our replies and where nothing names one.</summary>
    public async ValueTask<string?> DepartmentOfAsync(InterestRecord record)
    {
        if (record.Direction != "in")
        {
            return null;
        }

        if (record.Fields?.GetValueOrDefault("department") is { Length: > 0 } requested)
        {
            return requested;
        }

        // Only a chat with the handoff has a department there: bot-owned records cost no read.
        if (record.Responsible is { } responsible && (responsible == "queue" || responsible.StartsWith("agent:", StringComparison.Ordinal))
            && await redis.GetDatabase().HashGetAsync(RedisKeys.HandoffChat(record.ConversationId), "dept") is { IsNullOrEmpty: false } department)
        {
            return department;
        }

        return Match(record)?.Rule.Department;
    }
}
