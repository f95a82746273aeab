namespace SupportBot.Handoff;

/// <summary>
/// Automatic assignment for one department: the oldest (highest-priority) waiting chats are
/// offered to online agents with room — the least busy first, or in turn (round robin). Reads a
/// snapshot, then lets <see cref="HandoffStore.OfferAsync"/> check everything again atomically,
/// so several instances may run this at the same time without a chat going to two agents.
/// </summary>
public sealed class HandoffAssigner(HandoffStore store)
{
    /// <summary>How many head-of-queue chats one round looks at.</summary>
    private const int HeadSize = 50;

    /// <returns>The chats offered in this round, with their agents.</returns>
    public async Task<IReadOnlyList<(string ConversationId, string AgentId)>> AssignAsync(string department, bool roundRobin, TimeSpan answerLease)
    {
        var head = await store.QueueHeadAsync(department, HeadSize);
        if (head.Count == 0)
        {
            return [];
        }

        var agentIds = await store.DepartmentAgentsAsync(department);
        var states = await Task.WhenAll(agentIds.Select(store.GetAgentAsync));
        var eligible = states
            .Where(a => a is { Status: PresenceStatus.Online, Alive: true } && a.ActiveChats < a.Capacity)
            .Select(a => new Candidate(a!.AgentId, a.ActiveChats, a.Capacity))
            .OrderBy(c => c.AgentId, StringComparer.Ordinal)
            .ToList();
        var offered = new List<(string, string)>();
        var turn = roundRobin && eligible.Count > 0 ? (int)(await store.NextRoundRobinAsync(department, 0) % eligible.Count) : 0;
        foreach (var conversationId in head)
        {
            if (eligible.All(c => c.Active >= c.Capacity))
            {
                break;
            }

            // Try agents in preference order; one who let this chat's lease run out before is skipped by the store.
            // Full agents stay in the list (skipped), so the round-robin turn keeps counting over the same agents.
            var order = (roundRobin
                ? Enumerable.Range(0, eligible.Count).Select(i => eligible[(turn + i) % eligible.Count])
                : eligible.OrderBy(c => (double)c.Active / c.Capacity).ThenBy(c => c.Active))
                .Where(c => c.Active < c.Capacity)
                .ToList();
            foreach (var candidate in order)
            {
                var outcome = await store.OfferAsync(conversationId, department, candidate.AgentId, answerLease);
                if (outcome.Succeeded)
                {
                    offered.Add((conversationId, candidate.AgentId));
                    candidate.Active++;
                    if (roundRobin)
                    {
                        turn = (int)(await store.NextRoundRobinAsync(department, 1) % eligible.Count);
                    }

                    break;
                }

                if (outcome.Refusal is HandoffRefusal.AgentFull or HandoffRefusal.AgentUnavailable)
                {
                    candidate.Active = candidate.Capacity; // skipped for the rest of the round
                    continue;
                }

                if (outcome.Refusal != HandoffRefusal.Excluded)
                {
                    break; // the chat left the queue meanwhile
                }
            }
        }

        return offered;
    }

    private sealed class Candidate(string agentId, int active, int capacity)
    {
        public string AgentId { get; } = agentId;
        public int Active { get; set; } = active;
        public int Capacity { get; } = capacity;
    }
}
