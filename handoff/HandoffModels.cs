using System.Text.Json.Serialization;

namespace SupportBot.Handoff;

/// <summary>Where a conversation's handoff cycle stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HandoffStatus>))]
public enum HandoffStatus
{
    /// <summary>No handoff ever: the bot has it.</summary>
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("queued")] Queued,
    /// <summary>Offered to an agent by automatic assignment; the agent holds it until they answer or the lease runs out.</summary>
    [JsonStringEnumMemberName("offered")] Offered,
    [JsonStringEnumMemberName("assigned")] Assigned,
    [JsonStringEnumMemberName("returned")] Returned,
    [JsonStringEnumMemberName("resolved")] Resolved,
    /// <summary>The customer stopped waiting.</summary>
    [JsonStringEnumMemberName("abandoned")] Abandoned,
}

[JsonConverter(typeof(JsonStringEnumConverter<PresenceStatus>))]
public enum PresenceStatus
{
    [JsonStringEnumMemberName("offline")] Offline,
    /// <summary>Signed in, keeps their chats, gets no new ones automatically.</summary>
    [JsonStringEnumMemberName("away")] Away,
    [JsonStringEnumMemberName("online")] Online,
}

/// <summary>Why a transition did nothing. Each maps to one clear answer for the caller.</summary>
public enum HandoffRefusal
{
    None,
    UnknownChat,
    NotYours,
    WrongState,
    /// <summary>Another agent was first.</summary>
    Taken,
    AgentUnavailable,
    AgentFull,
    Excluded,
    NotDue,
}

/// <summary>The outcome of a transition: done, or refused with the reason.</summary>
public readonly record struct HandoffOutcome(HandoffRefusal Refusal, string? Detail = null)
{
    public static readonly HandoffOutcome Done = new(HandoffRefusal.None);

    public bool Succeeded => Refusal == HandoffRefusal.None;
}

/// <summary>A conversation's current handoff cycle.</summary>
public sealed record HandoffChat
{
    public required string ConversationId { get; init; }
    public HandoffStatus Status { get; init; }
    public string? Department { get; init; }
    public int Priority { get; init; }
    public string? Reason { get; init; }
    public string? AgentId { get; init; }
    /// <summary>The agent who answered in this cycle last (the answer lease is over for them).</summary>
    public string? AnsweredBy { get; init; }
    /// <summary>Queued outside the department's hours: the bot keeps answering until an agent takes it.</summary>
    public bool AfterHours { get; init; }
    public DateTimeOffset? QueuedAt { get; init; }
    public DateTimeOffset? OfferedAt { get; init; }
    public DateTimeOffset? AssignedAt { get; init; }
    public DateTimeOffset? FirstResponseAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    /// <summary>When the chat goes back to the queue if the agent has not answered by then.</summary>
    public DateTimeOffset? AnswerDeadline { get; init; }

    /// <summary>Queued until first offered or assigned (null while still waiting).</summary>
    public TimeSpan? WaitTime => QueuedAt is { } q && (OfferedAt ?? AssignedAt) is { } a && a >= q ? a - q : null;

    public TimeSpan? FirstResponseTime => AssignedAt is { } a && FirstResponseAt is { } f ? (f >= a ? f - a : TimeSpan.Zero) : null;

    public TimeSpan? HandleTime => Status is HandoffStatus.Resolved or HandoffStatus.Returned && AssignedAt is { } a && ClosedAt is { } c ? c - a : null;
}

/// <summary>One stored transition: escalated, queued, offered, assigned, agent_message, customer_message,
/// transferred, returned, resolved, rated, abandoned, lease_expired, agent_gone.</summary>
public sealed record HandoffEvent
{
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("at")] public long AtUnixMs { get; init; }
    [JsonPropertyName("agent")] public string? AgentId { get; init; }
    [JsonPropertyName("from")] public string? FromAgentId { get; init; }
    [JsonPropertyName("department")] public string? Department { get; init; }
    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("note")] public string? Note { get; init; }
    [JsonPropertyName("why")] public string? Why { get; init; }
    /// <summary>The supervisor who moved the chat from its holder (a transfer the holder did not make).</summary>
    [JsonPropertyName("by")] public string? By { get; init; }

    /// <summary>The customer's rating of a resolved chat, 1–5 (a <c>rated</c> event).</summary>
    [JsonPropertyName("rating")] public int? Rating { get; init; }

    [JsonIgnore] public DateTimeOffset At => DateTimeOffset.FromUnixTimeMilliseconds(AtUnixMs);

    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, HandoffJson.Default.HandoffEvent);
}

/// <summary>A customer's rating of 1 or 2 of the chat <paramref name="AgentId"/> resolved for <paramref name="Department"/>.</summary>
public sealed record LowRating(string ConversationId, string AgentId, string Department, int Rating, DateTimeOffset At);

/// <summary>A chat an agent holds whose customer has not answered the agent's last message (sent at <paramref name="LastReplyAt"/>).</summary>
/// <param name="LastEvent">The chat's last event as stored: the close checks nothing happened since.</param>
public sealed record IdleChat(string ConversationId, string AgentId, DateTimeOffset LastReplyAt, string LastEvent);

/// <summary>A waiting chat as the queue shows it.</summary>
/// <param name="Position">1 = next to be served in its department.</param>
public sealed record QueuedChat(string ConversationId, string Department, int Position, DateTimeOffset WaitingSince, string? Reason, int Priority, bool AfterHours);

/// <summary>An agent's presence and load.</summary>
public sealed record AgentState(
    string AgentId,
    string? Name,
    PresenceStatus Status,
    int Capacity,
    IReadOnlyList<string> Departments,
    int ActiveChats,
    DateTimeOffset? LastSeen,
    bool Alive);

/// <summary>What the agent asks to be: their status, how many chats at once, which departments (empty = all).</summary>
public sealed record PresenceUpdate(PresenceStatus Status, int Capacity, IReadOnlyList<string> Departments, string? Name);

/// <summary>A request to queue a chat.</summary>
/// <param name="Priority">0–9; higher is served first.</param>
/// <param name="AfterHours">The department is closed: queue for its next opening and let the bot keep answering.</param>
/// <param name="Origin">The channel event that asked (e.g. a message's event id): the same origin never starts a second cycle.</param>
public sealed record EscalationRequest(string ConversationId, string Department, int Priority, string Reason, bool AfterHours = false, string? Detail = null, string? Origin = null);

/// <summary>Recent figures of a department or an agent, from the last 200 closed chats.</summary>
public sealed record HandoffFigures(int Samples, TimeSpan? Median, TimeSpan? Average);

/// <summary>A closed chat whose customer is still to be told that the bot answers again (<see cref="RedisKeys.HandBacksToTell"/>).</summary>
/// <param name="Token"><c>returned.&lt;id&gt;</c> or <c>resolved.&lt;id&gt;</c>: the notice's own id, so that sent again after a
/// crash the pipeline's dedupe lets it through once.</param>
public sealed record HandBackToTell(string Token, string ConversationId)
{
    public string Member => Token + "|" + ConversationId;

    /// <summary>returned or resolved: which line the customer gets.</summary>
    public string Status => Token.Split('.')[0];

    public static HandBackToTell New(string status, string conversationId) => new(status + "." + Guid.NewGuid().ToString("N"), conversationId);

    public static HandBackToTell? Parse(string member) =>
        member.IndexOf('|', StringComparison.Ordinal) is > 0 and var bar && bar < member.Length - 1
            ? new HandBackToTell(member[..bar], member[(bar + 1)..])
            : null;
}
