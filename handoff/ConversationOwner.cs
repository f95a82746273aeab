namespace SupportBot.Handoff;

/// <summary>
/// Who answers a conversation. The single switch the pipeline reads before every turn: while a
/// person owns the chat (or it waits for one), the bot stays silent.
/// </summary>
public readonly record struct ConversationOwner
{
    private const string AgentPrefix = "agent:";

    public static readonly ConversationOwner Bot = new("bot");
    public static readonly ConversationOwner Queued = new("queued");

    private ConversationOwner(string value) => Value = value;

    /// <summary>Stored form: <c>bot</c>, <c>queued</c> or <c>agent:&lt;id&gt;</c>.</summary>
    public string Value { get; }

    public bool IsBot => Value is null or "bot";
    public bool IsQueued => Value == "queued";
    public bool IsAgent => Value?.StartsWith(AgentPrefix, StringComparison.Ordinal) == true;
    public string? AgentId => IsAgent ? Value![AgentPrefix.Length..] : null;

    public static ConversationOwner Agent(string agentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(agentId);
        return new(AgentPrefix + agentId);
    }

    /// <summary>Reads the stored form; a missing value means the bot (every conversation starts there).</summary>
    public static ConversationOwner Parse(string? stored) => stored switch
    {
        null or "" or "bot" => Bot,
        "queued" => Queued,
        _ when stored.StartsWith(AgentPrefix, StringComparison.Ordinal) && stored.Length > AgentPrefix.Length => new(stored),
        _ => throw new FormatException($"Unknown conversation owner '{stored}'."),
    };

    public override string ToString() => Value ?? "bot";
}
