using Microsoft.Extensions.Localization;
using SupportBot.Handoff;

namespace SupportBot.AgentConsole.Chats;

/// <summary>One line of the chat page's transcript: a message, or something the handoff did, with the note that came with it.</summary>
internal sealed record ChatLine(long AtUnixMs, TranscriptEntry? Entry, string? Event = null, string? Note = null);

/// <summary>
/// What happened to a chat between its messages, as the agent reads it: who took it, who passed it to whom and why (the
/// transfer note), that it went back to the queue because its agent went offline or did not answer in time, that it was
/// handed back. Without these the next agent reads a transcript that jumps from one agent to another, or to "You're
/// number 3 in line" after an agent's answer, with no reason given.
/// </summary>
internal static class ChatEventLines
{
    /// <summary>
    /// The messages in the transcript's own order, each event before the first message that came after it (at a tie, after
    /// the message). The transcript is not sorted: its lines are in the order they were written, which the conversation's
    /// turns decide, not their clocks.
    /// </summary>
    public static IReadOnlyList<ChatLine> Merge(
        IReadOnlyList<TranscriptEntry> transcript, IReadOnlyList<HandoffEvent> events, IStringLocalizer<ConsoleText> text, Func<string, string> agentName)
    {
        var happened = new List<ChatLine>();
        for (var i = 0; i < events.Count; i++)
        {
            if (Describe(events[i], i > 0 ? events[i - 1] : null, text, agentName) is { } line)
            {
                var note = events[i].Note is { Length: > 0 } written ? written
                    : events[i] is { Type: "resolved", Reason: { Length: > 0 } reason } && reason != HandoffStore.IdleReason ? reason
                    : null;
                happened.Add(new ChatLine(events[i].AtUnixMs, null, line, note));
            }
        }

        var lines = new List<ChatLine>(transcript.Count + happened.Count);
        var next = 0;
        foreach (var entry in transcript)
        {
            while (next < happened.Count && happened[next].AtUnixMs < entry.AtUnixMs)
            {
                lines.Add(happened[next++]);
            }

            lines.Add(new ChatLine(entry.AtUnixMs, entry));
        }

        lines.AddRange(happened.Skip(next));
        return lines;
    }

    /// <summary>The line for one event, or null for those the transcript shows already (messages) or that say nothing new.</summary>
    public static string? Describe(HandoffEvent e, HandoffEvent? previous, IStringLocalizer<ConsoleText> text, Func<string, string> agentName)
    {
        string Agent(string? id) => id is null ? text["Agent"].Value : agentName(id);
        return e.Type switch
        {
            // A transfer to an agent is followed by their "assigned", and so is an offer the agent answers: the line
            // before says it already.
            "assigned" when previous?.Type is "transferred" or "offered" => null,
            "assigned" => text["Event_Assigned", Agent(e.AgentId)],
            "offered" => text["Event_Offered", Agent(e.AgentId)],
            "transferred" => Transferred(e, text, Agent),
            "returned" => text["Event_Returned", Agent(e.AgentId)],
            "resolved" when e.Reason == HandoffStore.IdleReason => text["Event_ResolvedIdle", Agent(e.AgentId)],
            "resolved" => text["Event_Resolved", Agent(e.AgentId)],
            "rated" when e.Rating is { } rating => text["Event_Rated", rating],
            "abandoned" => text["Event_Abandoned"],
            "lease_expired" => text["Event_LeaseExpired", Agent(e.AgentId)],
            "agent_gone" => text["Event_AgentGone", Agent(e.AgentId)],
            _ => null, // escalated, queued: the bot's own lines say so; agent_message, customer_message: the messages
        };
    }

    private static string Transferred(HandoffEvent e, IStringLocalizer<ConsoleText> text, Func<string?, string> agent)
    {
        var to = e.AgentId is not null ? agent(e.AgentId) : text["Event_DepartmentQueue", e.Department ?? "?"].Value;
        return e.By is { } supervisor
            ? text["Event_Reassigned", agent(e.FromAgentId), to, agent(supervisor)]
            : text["Event_Transferred", agent(e.FromAgentId), to];
    }
}
