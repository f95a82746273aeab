using System.Text.Json.Serialization;

namespace SupportBot.Contracts;

/// <summary>What a customer (or the channel on their behalf) did. Interest-record actions use the same words.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ActivityKind>))]
public enum ActivityKind
{
    Message,
    Comment,
    /// <summary>A post the customer wrote on the brand's wall (VK wall_post_new by a user); answered in its comments.</summary>
    Post,
    Like,
    Join,
    /// <summary>The customer left (or was removed from) the community. A signal, like a like or a join: recorded, never answered.</summary>
    Leave,
    Form,
    Email,
    Button,
    Review,
    Request,
    /// <summary>A conversation was opened (website chat); lets the bot greet. Not a customer action, so not logged as interest.</summary>
    ConversationStart,
    /// <summary>
    /// Not a customer action either: a later verdict on an earlier message (the model found it negative) asks to bring in
    /// a person. Queued like any activity so it is handled in order; it acts only while the bot still has the conversation.
    /// </summary>
    Escalate,
    /// <summary>
    /// Not a customer action: an agent took the chat while the bot had it. Queued like any activity so it comes after what
    /// the customer said before; its turn ends the bot's open dialog, so after a hand-back the customer's next message is
    /// not read as the answer to the bot's last question.
    /// </summary>
    AgentTookOver,
    /// <summary>
    /// Not a customer action: the agent handed the chat back to the bot (<see cref="ChannelActivity.Text"/> is
    /// <c>returned</c> or <c>resolved</c>). Queued like any activity so it comes after the agent's last reply; its turn
    /// tells the customer that the bot answers again.
    /// </summary>
    AgentHandedBack,
}

public static class ActivityKinds
{
    /// <summary>Something the customer (or the channel on their behalf) did: counted, logged as interest, shown to agents.</summary>
    public static bool IsCustomerAction(this ActivityKind kind) =>
        kind is not (ActivityKind.ConversationStart or ActivityKind.Escalate or ActivityKind.AgentTookOver or ActivityKind.AgentHandedBack);

    /// <summary>
    /// The channel's Start button, pressed: Telegram's <c>/start</c> (also <c>/start@bot</c> and a deep link's
    /// <c>/start payload</c>) or VK's "Начать" (a button whose payload command is <c>start</c>). A customer action (it is
    /// recorded, with the deep link's product), but its words are no question: the bot says hello.
    /// </summary>
    public static bool IsStartCommand(this ChannelActivity activity)
    {
        var text = activity.Text.AsSpan().Trim();
        return activity.Kind == ActivityKind.Button
            ? text.Equals("start", StringComparison.Ordinal)
            : activity.Kind == ActivityKind.Message && text.StartsWith("/start", StringComparison.Ordinal) && (text.Length == 6 || text[6] is ' ' or '@');
    }
}

public sealed record ChannelUser(string Id, string? Name = null, string? PhotoUrl = null, string? ProfileUrl = null);

public sealed record ActivityAttachment(string ContentType, string? Url = null, string? Name = null);

/// <summary>
/// One inbound event from any channel, normalised by the channel adapter. Everything after the
/// adapter (dedupe, ordering, interest log, dialogs, handoff) sees only this shape.
/// </summary>
public sealed record ChannelActivity
{
    /// <summary>Channel name: webchat, telegram, vk, email, form.</summary>
    public required string Channel { get; init; }

    /// <summary>Our conversation id, unique across channels (e.g. <c>webchat:3f2a…</c>). No braces: it goes into a Redis hash tag.</summary>
    public required string ConversationId { get; init; }

    /// <summary>The channel's own id of this event (Telegram update_id, VK event_id, Direct Line activity id); the dedupe key.</summary>
    public required string EventId { get; init; }

    public required ChannelUser From { get; init; }

    public ActivityKind Kind { get; init; } = ActivityKind.Message;

    public string? Text { get; init; }

    public IReadOnlyList<ActivityAttachment> Attachments { get; init; } = [];

    /// <summary>Link to the message, post or comment on the network.</summary>
    public string? SourceLink { get; init; }

    public string? ProductHint { get; init; }

    /// <summary>Channel facts that go on the interest record's fields as they are (<c>removed</c> on a like taken back, an e-mail's subject and links).</summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }

    /// <summary>The customer's locale as the channel reports it (e.g. "ru-RU"), if any.</summary>
    public string? Locale { get; init; }

    /// <summary>Which of our bots or communities received it (several brands can run side by side).</summary>
    public string? ChannelAccount { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Arrival order within the conversation, assigned atomically at ingress (1, 2, 3, …).</summary>
    public long Sequence { get; init; }
}
