namespace SupportBot.Handoff;

/// <summary>
/// Automatic assignment for one department: the oldest (highest-priority) waiting chats are
/// offered to online agents with room — the least busy first, or in turn (round robin). A chat
/// whose answer lease an agent let lapse goes to someone else; only when every agent with room
/// has let it lapse is it offered to one of them again. Reads a snapshot, then lets
/// <see cref="HandoffStore.OfferAsync"/> check everything again atomically, so several
/// instances may run this at the same time without a chat going to two agents.
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

        // Agents with room, best first: in turn, or the least busy. Full agents stay in `eligible` (skipped here),
        // so the round-robin turn keeps counting over the same agents.
        List<Candidate> Order() => (roundRobin
                ? Enumerable.Range(0, eligible.Count).Select(i => eligible[(turn + i) % eligible.Count])
                : eligible.OrderBy(c => (double)c.Active / c.Capacity).ThenBy(c => c.Active))
            .Where(c => c.Active < c.Capacity)
            .ToList();

        async Task<HandoffOutcome> OfferAsync(string conversationId, Candidate candidate, bool again)
        {
            var outcome = await store.OfferAsync(conversationId, department, candidate.AgentId, answerLease, again: again);
            if (outcome.Succeeded)
            {
                offered.Add((conversationId, candidate.AgentId));
                candidate.Active++;
                if (roundRobin)
                {
                    turn = (int)(await store.NextRoundRobinAsync(department, 1) % eligible.Count);
                }
            }
            else if (outcome.Refusal is HandoffRefusal.AgentFull or HandoffRefusal.AgentUnavailable)
            {
                candidate.Active = candidate.Capacity; // skipped for the rest of the round
            }

            return outcome;
        }

        // Chats that every agent with room has let lapse before.
        var lapsedByAll = new List<string>();
        foreach (var conversationId in head)
        {
            if (eligible.All(c => c.Active >= c.Capacity))
            {
                break;
            }

            // Try agents in preference order; one who let this chat's lease run out before is refused by the store.
            var refusedOnlyAsExcluded = true;
            var order = Order();
            foreach (var candidate in order)
            {
                var outcome = await OfferAsync(conversationId, candidate, again: false);
                if (outcome.Succeeded)
                {
                    refusedOnlyAsExcluded = false;
                    break;
                }

                if (outcome.Refusal is HandoffRefusal.AgentFull or HandoffRefusal.AgentUnavailable)
                {
                    refusedOnlyAsExcluded = false;
                    continue;
                }

                if (outcome.Refusal != HandoffRefusal.Excluded)
                {
                    refusedOnlyAsExcluded = false;
                    break; // the chat left the queue meanwhile
                }
            }

            if (refusedOnlyAsExcluded && order.Count > 0)
            {
                lapsedByAll.Add(conversationId);
            }
        }

        // With nobody else to take them, such chats go to one of those agents again (say the only agent on duty
        // missed the first offer) rather than wait until someone claims it; after the chats nobody had missed.
        foreach (var conversationId in lapsedByAll)
        {
            foreach (var candidate in Order())
            {
                var outcome = await OfferAsync(conversationId, candidate, again: true);
                if (outcome.Succeeded || outcome.Refusal is not (HandoffRefusal.AgentFull or HandoffRefusal.AgentUnavailable))
                {
                    break;
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
