using System.Text.Json.Serialization;

namespace SupportBot.FollowUps;

/// <summary>A reminder an agent set for themselves about a customer or one interest record.</summary>
public sealed record FollowUp
{
    public required string Id { get; init; }

    public required string AgentId { get; init; }

    public string? CustomerId { get; init; }

    public string? RecordId { get; init; }

    public required string Text { get; init; }

    public required DateTimeOffset DueAt { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>open or done.</summary>
    public required string Status { get; init; }

    /// <summary>When the reminder went out (once); null while it is not due yet.</summary>
    public DateTimeOffset? RemindedAt { get; init; }

    public DateTimeOffset? DoneAt { get; init; }
}

/// <summary>What the agent's live connection receives on the <c>reminder</c> method.</summary>
public sealed record ReminderNotice
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("agentId")] public required string AgentId { get; init; }
    [JsonPropertyName("text")] public required string Text { get; init; }
    [JsonPropertyName("dueAt")] public required DateTimeOffset DueAt { get; init; }
    [JsonPropertyName("customerId")] public string? CustomerId { get; init; }
    [JsonPropertyName("recordId")] public string? RecordId { get; init; }
}

/// <summary>An agent's follow-up settings: where else reminders may reach them.</summary>
public sealed record FollowUpSettings
{
    /// <summary>
    /// The agent's Telegram chat id (linked by pressing Start on the console's one-time link, or set with
    /// <c>PUT /api/followups/telegram</c>); due reminders are also sent there by the Telegram <see cref="IAgentNotifier"/>.
    /// </summary>
    public string? LinkedTelegram { get; init; }

    /// <summary>The bot the agent started (by our name for it); null: the first configured bot.</summary>
    public string? LinkedTelegramBot { get; init; }
}

public static class FollowUpStatus
{
    public const string Open = "open";
    public const string Done = "done";
}

[JsonSerializable(typeof(ReminderNotice))]
internal sealed partial class FollowUpsJson : JsonSerializerContext;

/// <summary>A one-time deep link that links the agent's Telegram chat when they press Start.</summary>
public sealed record TelegramLinkOffer(string Url, string Bot, DateTimeOffset ExpiresAt);

/// <summary>Makes Telegram link offers (the Telegram channel does, when a bot is configured).</summary>
public interface ITelegramAgentLinks
{
    /// <summary>Whether a bot is there to link with.</summary>
    bool Available { get; }

    /// <summary>A new one-time link for the agent, or null when no bot is configured or it cannot be reached.</summary>
    Task<TelegramLinkOffer?> OfferAsync(string agentId, CancellationToken cancellationToken);
}
