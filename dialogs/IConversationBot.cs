using SupportBot.Contracts;

namespace SupportBot.Dialogs;

/// <summary>
/// The bot's side of one turn. The pipeline loads the state, calls this, and commits the new
/// state and the replies atomically, so a bot never touches Redis itself.
/// </summary>
public interface IConversationBot
{
    Task<BotTurnResult> OnTurnAsync(BotTurn turn, CancellationToken cancellationToken);

    /// <summary>
    /// The customer switched languages (<see cref="BotConversationState.Language"/> is the new one): the question the
    /// bot has open, asked again in it. None by default.
    /// </summary>
    Task<IReadOnlyList<OutgoingMessage>> AskAgainAsync(BotTurn turn, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<OutgoingMessage>>([]);
}

public sealed class BotTurn(ChannelActivity activity, BotConversationState state)
{
    public ChannelActivity Activity { get; } = activity;

    /// <summary>Mutable; whatever the bot leaves here is saved with the turn.</summary>
    public BotConversationState State { get; } = state;
}

/// <param name="Replies">Sent in order through the conversation's channel.</param>
/// <param name="HandoffReason">Set when the conversation should go to a person; the pipeline switches the owner.</param>
/// <param name="Requests">Requests the customer made in this turn; each becomes an interest record of action request.</param>
/// <param name="RecordFields">Added to the Fields of the message's inbound interest record (e.g. llm_sources).</param>
public sealed record BotTurnResult(
    IReadOnlyList<OutgoingMessage> Replies, string? HandoffReason = null, IReadOnlyList<LeadRequest>? Requests = null, IReadOnlyDictionary<string, string>? RecordFields = null)
{
    public static BotTurnResult Say(params OutgoingMessage[] replies) => new(replies);
}

/// <summary>What the bot remembers about a conversation between turns.</summary>
public sealed class BotConversationState
{
    /// <summary>en, ru or de once known.</summary>
    public string? Language { get; set; }

    public bool Greeted { get; set; }

    /// <summary>Free-form values the host keeps for the conversation (e.g. when the customer was last told they wait).</summary>
    public Dictionary<string, string> Values { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The dialog engine's stack while a dialog is open (its own compact JSON); null between dialogs.</summary>
    public System.Text.Json.JsonElement? Dialog { get; set; }

    /// <summary>
    /// What the bot's last message offered to pick outside a dialog (the bot's own ids, e.g. FAQ entries), so that the
    /// customer's next message can pick one by its number; null when nothing is offered.
    /// </summary>
    public string? Offered { get; set; }

    /// <summary>Nothing the bot asked is open any more (a person took the chat, or the bot failed): the next message is new.</summary>
    public void ForgetOpenQuestion()
    {
        Dialog = null;
        Offered = null;
    }
}
