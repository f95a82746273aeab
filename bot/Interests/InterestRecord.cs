namespace SupportBot.Interests;

/// <summary>The author as the lead card shows them.</summary>
public sealed record InterestAuthor(string Id, string? Name, string? PhotoUrl, string? ProfileUrl);

/// <summary>
/// One exchange on the Social-CRM lead card: who did what, where, about which product, who is
/// responsible and whether it was answered. Written for every inbound activity and every reply.
/// </summary>
public sealed record InterestRecord
{
    public required string Id { get; init; }

    public required DateTimeOffset Date { get; init; }

    /// <summary>telegram, vk, webchat, email, website (web forms).</summary>
    public required string SourceType { get; init; }

    /// <summary>Link that opens the message, post or comment on the network, when it has one.</summary>
    public string? SourceLink { get; init; }

    public required InterestAuthor Author { get; init; }

    /// <summary>message, comment, post, like, review, request, form, join, leave (lower case).</summary>
    public required string Action { get; init; }

    /// <summary>in: from the customer; out: our reply (bot or agent).</summary>
    public required string Direction { get; init; }

    public string? Text { get; init; }

    public string? Product { get; init; }

    public required string ConversationId { get; init; }

    public string? ChannelAccount { get; init; }

    public string? Language { get; init; }

    /// <summary>bot, queue, or agent:&lt;id&gt;.</summary>
    public string? Responsible { get; init; }

    public bool Processed { get; init; }

    public DateTimeOffset? ProcessedAt { get; init; }

    public string? ProcessedBy { get; init; }

    /// <summary>What the person who marked it processed by hand wrote down.</summary>
    public string? ProcessedNote { get; init; }

    /// <summary>Inbound records processed by an agent's reply: the channel's id of that reply (evidence it went out).</summary>
    public string? ReplyMessageId { get; init; }

    /// <summary>Inbound records processed by an agent's reply: the link to that reply on the network, when it has one.</summary>
    public string? ReplyLink { get; init; }

    /// <summary>How to answer it: a link to open, or <c>conversation:&lt;id&gt;</c> for an in-console reply.</summary>
    public string? ReplyAction { get; init; }

    /// <summary>For replies: the channel's id of the sent message (evidence that it went out).</summary>
    public string? ChannelMessageId { get; init; }

    /// <summary>For requests: what the customer told us (name, topic, contact, …).</summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }

    /// <summary>The channel's event id an inbound record came from.</summary>
    public string? EventId { get; init; }
}
