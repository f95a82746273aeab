using System.Text.Json.Serialization;

namespace SupportBot.Handoff;

/// <summary>Who the customer is on their channel, as of their last message: what an agent's reply needs to reach them.</summary>
public sealed record ConversationProfile
{
    [JsonPropertyName("channel")] public required string Channel { get; init; }
    // Absent values are left out: one of these is kept per conversation (see bench/README.md, scenario memory).
    [JsonPropertyName("account"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ChannelAccount { get; init; }
    [JsonPropertyName("user")] public required string UserId { get; init; }
    [JsonPropertyName("name"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Name { get; init; }
    [JsonPropertyName("photo"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? PhotoUrl { get; init; }
    [JsonPropertyName("profile"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ProfileUrl { get; init; }
    [JsonPropertyName("lang"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Language { get; init; }
    [JsonPropertyName("last")] public long LastActivityUnixMs { get; init; }
}

/// <summary>
/// One line of a conversation's transcript. <see cref="From"/> is customer, bot, agent, or system: a reply
/// that failed for good (<see cref="Kind"/> <see cref="Refused"/> or <see cref="Undelivered"/>, the reason in
/// <see cref="Text"/>, the reply in <see cref="OutboxId"/>).
/// </summary>
public sealed record TranscriptEntry
{
    public const string System = "system";

    /// <summary>The customer does not accept messages on the channel (blocked the bot, has not allowed the community's messages).</summary>
    public const string Refused = "refused";

    /// <summary>Any other failure that made the outbox give up on the reply.</summary>
    public const string Undelivered = "undelivered";

    [JsonPropertyName("at")] public long AtUnixMs { get; init; }
    [JsonPropertyName("from")] public required string From { get; init; }
    [JsonPropertyName("agent")] public string? AgentId { get; init; }
    [JsonPropertyName("text")] public string? Text { get; init; }
    [JsonPropertyName("kind")] public string? Kind { get; init; }
    [JsonPropertyName("attachments")] public IReadOnlyList<string>? Attachments { get; init; }

    /// <summary>Our replies (bot, agent): the outbox item that carries it, so a later failure can name the line.</summary>
    [JsonPropertyName("outbox")] public string? OutboxId { get; init; }

    /// <summary>Set when read: this reply failed for good (<see cref="Refused"/> or <see cref="Undelivered"/>).</summary>
    [JsonPropertyName("delivery")] public string? DeliveryFailure { get; init; }

    [JsonIgnore]
    public bool IsDeliveryFailure => From == System && OutboxId is not null && Kind is Refused or Undelivered;
}

[JsonSerializable(typeof(ConversationProfile))]
[JsonSerializable(typeof(TranscriptEntry))]
public sealed partial class ConversationJson : JsonSerializerContext;

/// <summary>What is known of one conversation at one moment: its handoff (if any), owner, handoff events, transcript and customer.</summary>
public sealed record ConversationDetails(
    HandoffChat? Chat,
    ConversationOwner Owner,
    IReadOnlyList<HandoffEvent> Events,
    IReadOnlyList<TranscriptEntry> Transcript,
    ConversationProfile? Profile);
