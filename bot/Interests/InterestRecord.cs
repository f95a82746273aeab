namespace SupportBot.Interests;

/// <summary>The author as the lead card shows them.</summary>
public sealed record InterestAuthor(string Id, string? Name, string? PhotoUrl, string? ProfileUrl);

/// <summary>
/// One exchange on the Social-CRM lead card: who did what, where, about which product, who is
/// responsible and whether it was answered. Written for every inbound activity and every reply.
/// </summary>
public sealed record InterestRecord
{
    /// <summary>The field names intent and sentiment had in <see cref="Fields"/> (and still have where the bot hands them over).</summary>
    public const string IntentField = "intent";

    public const string SentimentField = "sentiment";

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

    /// <summary>What the customer wanted, when the bot handled the message: the FAQ id, <c>dialog:&lt;id&gt;</c>, <c>human</c> or <c>unknown</c>.</summary>
    public string? Intent { get; init; }

    /// <summary>positive, neutral or negative (inbound texts).</summary>
    public string? Sentiment { get; init; }

    /// <summary>
    /// The department the record belongs to (inbound): the one the handoff put it in, else the first
    /// matching <c>Interests:Rules</c> rule's; fixed when the record is written. Null when neither applies.
    /// </summary>
    public string? Department { get; init; }

    /// <summary>Agents' labels (lower case), from the work state; not part of the record as written.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>For requests: what the customer told us (name, topic, contact, …).</summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }

    /// <summary>The channel's event id an inbound record came from.</summary>
    public string? EventId { get; init; }

    /// <summary>
    /// Records written before intent and sentiment were first-class kept them in <see cref="Fields"/>; a value
    /// found there is lifted onto the record (and taken out of the fields), so every reader sees one place.
    /// </summary>
    public InterestRecord WithEnrichmentLifted()
    {
        if (Fields is not { Count: > 0 } fields || (!fields.ContainsKey(IntentField) && !fields.ContainsKey(SentimentField)))
        {
            return this;
        }

        var rest = fields.Where(f => f.Key is not (IntentField or SentimentField)).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        return this with
        {
            Intent = fields.GetValueOrDefault(IntentField) ?? Intent,
            Sentiment = fields.GetValueOrDefault(SentimentField) ?? Sentiment,
            Fields = rest.Count > 0 ? rest : null,
        };
    }
}
