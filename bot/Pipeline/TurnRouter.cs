using SupportBot.Contracts;
using SupportBot.Dialogs;
using SupportBot.Dialogs.Content;
using SupportBot.Handoff;

namespace SupportBot.Pipeline;

/// <param name="Replies">What goes out on the channel, in order.</param>
/// <param name="Owner">The owner after this turn.</param>
/// <param name="AnsweredByBot">The bot answered the customer itself (the interest record counts as processed).</param>
/// <param name="HandoffReason">Why the conversation went to the queue in this turn, if it did.</param>
/// <param name="Requests">Requests the customer made through the bot in this turn.</param>
internal sealed record TurnDecision(
    IReadOnlyList<OutgoingMessage> Replies, ConversationOwner Owner, bool AnsweredByBot, string? HandoffReason = null, IReadOnlyList<LeadRequest>? Requests = null);

/// <summary>
/// The owner switch. The bot speaks only while it owns the conversation; while the customer waits
/// for a person it says so (not on every message), and while an agent owns it the bot is silent.
/// </summary>
internal sealed class TurnRouter(IConversationBot bot, ContentLibrary content, TimeProvider time, ILogger<TurnRouter> logger)
{
    /// <summary>Remind a waiting customer at most this often.</summary>
    internal static readonly TimeSpan QueueNoticeInterval = TimeSpan.FromMinutes(3);

    private const string QueueNoticeKey = "queueNoticeAt";

    public async Task<TurnDecision> RouteAsync(ChannelActivity activity, ConversationOwner owner, BotConversationState state, CancellationToken cancellationToken)
    {
        if (owner.IsAgent)
        {
            // The agent answers; relaying to the console comes with the handoff feature.
            return new TurnDecision([], owner, AnsweredByBot: false);
        }

        var language = state.Language ?? LanguageDetector.FromLocale(activity.Locale) ?? "en";
        var messages = content.Current.Messages;
        if (activity.Text is { Length: > 0 } asked && messages.RequestedLanguage(asked) is { } switchTo)
        {
            // The customer chooses the language; the bot and the waiting notes follow from here on.
            state.Language = switchTo;
            return new TurnDecision([new OutgoingMessage(BotMessages.Pick(messages.LanguageSwitched, switchTo))], owner, AnsweredByBot: owner.IsBot);
        }

        if (owner.IsQueued)
        {
            return RouteQueued(activity, state, language);
        }

        BotTurnResult result;
        try
        {
            result = await bot.OnTurnAsync(new BotTurn(activity, state), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A broken dialog must not swallow the message or block the conversation: apologise and hand over.
            Log.BotTurnFailed(logger, e, activity.ConversationId, activity.Sequence);
            return new TurnDecision(
                [new OutgoingMessage(BotMessages.Pick(content.Current.Messages.TechnicalProblem, language))],
                ConversationOwner.Queued,
                AnsweredByBot: false,
                HandoffReason: "bot-error");
        }

        if (result.HandoffReason is not null)
        {
            state.Values[QueueNoticeKey] = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            return new TurnDecision(result.Replies, ConversationOwner.Queued, AnsweredByBot: false, result.HandoffReason, result.Requests);
        }

        return new TurnDecision(result.Replies, ConversationOwner.Bot, AnsweredByBot: result.Replies.Count > 0, Requests: result.Requests);
    }

    private TurnDecision RouteQueued(ChannelActivity activity, BotConversationState state, string language)
    {
        var messages = content.Current.Messages;
        if (activity.Text is { Length: > 0 } text && Phrases.Contains(messages.CancelHandoff, text))
        {
            state.Values.Remove(QueueNoticeKey);
            return new TurnDecision([new OutgoingMessage(BotMessages.Pick(messages.BackToBot, language))], ConversationOwner.Bot, AnsweredByBot: true);
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var lastNotice = state.Values.TryGetValue(QueueNoticeKey, out var stored) && long.TryParse(stored, out var ms) ? ms : 0;
        if (activity.Kind == ActivityKind.ConversationStart || now - lastNotice < QueueNoticeInterval.TotalMilliseconds)
        {
            return new TurnDecision([], ConversationOwner.Queued, AnsweredByBot: false);
        }

        state.Values[QueueNoticeKey] = now.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new TurnDecision([new OutgoingMessage(BotMessages.Pick(messages.StillQueued, language))], ConversationOwner.Queued, AnsweredByBot: false);
    }
}
