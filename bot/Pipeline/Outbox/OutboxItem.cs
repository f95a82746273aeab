using SupportBot.Contracts;

namespace SupportBot.Pipeline.Outbox;

/// <summary>A reply waiting in a conversation's outbox, with its delivery attempts.</summary>
public sealed record OutboxItem
{
    /// <summary><c>&lt;conversation&gt;:&lt;arrival seq&gt;:&lt;n&gt;</c> — stable across a re-run of the same turn, so it doubles as an idempotency key.</summary>
    public required string Id { get; init; }

    public required string Channel { get; init; }

    public required string ConversationId { get; init; }

    public string? ChannelAccount { get; init; }

    /// <summary>The customer on the channel (chat id, peer id, …).</summary>
    public string? RecipientId { get; init; }

    public required OutgoingMessage Message { get; init; }

    /// <summary>bot, or agent:&lt;id&gt;.</summary>
    public string Author { get; init; } = "bot";

    /// <summary>How the author is shown to the customer (the agent's name); null for the bot.</summary>
    public string? AuthorName { get; init; }

    /// <summary>The inbound event this answers, if any.</summary>
    public string? InReplyToEventId { get; init; }

    public string? Language { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public int Attempts { get; init; }

    public DateTimeOffset? NextAttemptAt { get; init; }

    public string? LastError { get; init; }
}

/// <summary>A send that failed for good, kept for people to see (never dropped silently).</summary>
public sealed record DeadLetter(OutboxItem Item, string Reason, DateTimeOffset FailedAt);
