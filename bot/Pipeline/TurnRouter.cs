using System.Globalization;
using Microsoft.Extensions.Options;
using SupportBot.Contracts;
using SupportBot.Dialogs;
using SupportBot.Dialogs.Content;
using SupportBot.Handoff;
using SupportBot.Handoff.Departments;

namespace SupportBot.Pipeline;

/// <param name="Replies">What goes out on the channel, in order.</param>
/// <param name="Owner">The owner after this turn (the commit checks nobody changed it meanwhile).</param>
/// <param name="AnsweredByBot">The bot answered the customer itself (the interest record counts as processed).</param>
/// <param name="HandoffReason">Why the conversation went to a person in this turn, if it did.</param>
/// <param name="Requests">Requests the customer made through the bot in this turn.</param>
/// <param name="Escalation">A handoff this turn started, announced to agents once the turn is committed.</param>
internal sealed record TurnDecision(
    IReadOnlyList<OutgoingMessage> Replies, ConversationOwner Owner, bool AnsweredByBot, string? HandoffReason = null, IReadOnlyList<LeadRequest>? Requests = null,
    EscalationOutcome? Escalation = null, IReadOnlyDictionary<string, string>? RecordFields = null);

/// <summary>
/// The owner switch. The bot speaks only while it owns the conversation; while the customer waits
/// for a person it tells them their place in line (not on every message), and while an agent owns
/// it the bot is silent — the message goes to the agent.
/// </summary>
internal sealed class TurnRouter(
    IConversationBot bot,
    ContentLibrary content,
    HandoffService handoff,
    IOptions<HandoffOptions> handoffOptions,
    TimeProvider time,
    Observability.BotMetrics metrics,
    ILogger<TurnRouter> logger)
{
    private const string QueueNoticeKey = "queueNoticeAt";

    /// <param name="lastAgent">The agent who last resolved the conversation (read with the owner and state), null for none.</param>
    public async Task<TurnDecision> RouteAsync(ChannelActivity activity, ConversationOwner owner, BotConversationState state, string? lastAgent, CancellationToken cancellationToken)
    {
        if (activity.Kind == ActivityKind.AgentTookOver)
        {
            // Whoever has the chat by now (the agent may have handed it back already), the bot's open dialog is over.
            state.ForgetOpenQuestion();
            return new TurnDecision([], owner, AnsweredByBot: false);
        }

        if (activity.Kind == ActivityKind.AgentHandedBack)
        {
            return await HandedBackAsync(activity, owner, state);
        }

        if (owner.IsAgent)
        {
            // An agent's chat: the message goes to them. A dialog the bot had open (the agent pulled the chat mid-dialog)
            // is over: after the hand-back the customer's next message would otherwise be read as its old question's answer.
            state.ForgetOpenQuestion();
            return new TurnDecision([], owner, AnsweredByBot: false);
        }

        if (activity.Kind is ActivityKind.Like or ActivityKind.Join or ActivityKind.Leave)
        {
            // A like, a join or a leave is a signal for the interest log, not a question: no turn.
            return new TurnDecision([], owner, AnsweredByBot: false);
        }

        var language = state.Language ?? LanguageDetector.FromLocale(activity.Locale) ?? "en";
        var messages = content.Current.Messages;
        if (activity.Kind == ActivityKind.Escalate)
        {
            // A later verdict on an earlier message (the model found it negative): a person comes in only while
            // the bot still has the chat; a queued or held chat already has one coming, so nothing is said.
            if (!owner.IsBot)
            {
                return new TurnDecision([], owner, AnsweredByBot: false);
            }

            state.ForgetOpenQuestion(); // an open dialog ends: a person takes over
            metrics.Turn(activity.Channel, Observability.TurnOutcome.Handoff);
            var acknowledged = new OutgoingMessage(BotMessages.Pick(messages.HandoffAcknowledged, language));
            return await EscalateAsync(activity, state, language, new BotTurnResult([acknowledged], activity.Text is { Length: > 0 } why ? why : "escalated"));
        }

        if (activity.Text is { Length: > 0 } asked && messages.RequestedLanguage(asked) is { } switchTo)
        {
            // The customer chooses the language; the bot and the waiting notes follow from here on.
            state.Language = switchTo;
            OutgoingMessage[] switched = [new OutgoingMessage(BotMessages.Pick(messages.LanguageSwitched, switchTo))];
            // Mid-dialog, the open question again in the new language: the customer should not answer one they may not read.
            return new TurnDecision(
                owner.IsBot && state.Dialog is not null ? [.. switched, .. await bot.AskAgainAsync(new BotTurn(activity, state), cancellationToken)] : switched,
                owner,
                AnsweredByBot: owner.IsBot);
        }

        if (owner.IsQueued)
        {
            return await RouteQueuedAsync(activity, state, language);
        }

        // The survey after a resolved chat: a rating answers it; anything else is read as usual and ends it. It stays open
        // after a rating, so that a second press of a Telegram or VK button (they stay under the question) is thanked and
        // not counted, rather than taken for the customer writing again.
        if (activity.Kind != ActivityKind.ConversationStart && state.Values.TryGetValue(SatisfactionSurvey.StateKey, out var surveyed))
        {
            if (await RatedAsync(activity, surveyed, language) is { } rated)
            {
                return rated;
            }

            state.Values.Remove(SatisfactionSurvey.StateKey);
        }

        if (activity.Kind != ActivityKind.ConversationStart && activity.Text is { Length: > 0 }
            && lastAgent is not null
            && await handoff.ReturnToPreviousAgentAsync(activity.ConversationId, state.Language ?? language, activity.EventId) is { } back)
        {
            // Written again soon after an agent resolved the chat: that agent takes it (or the queue does), the bot stays out.
            IReadOnlyList<OutgoingMessage> notice = PositionNotice(back.Position, back.EstimatedWait, language) is { } n ? [n] : [];
            return new TurnDecision(notice, back.Owner, AnsweredByBot: false, HandoffReason: "returning-customer", Escalation: back);
        }

        BotTurnResult result;
        var failed = false;
        try
        {
            result = await bot.OnTurnAsync(new BotTurn(activity, state), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A broken dialog must not swallow the message or block the conversation: apologise and hand over.
            Log.BotTurnFailed(logger, e, activity.ConversationId, activity.Sequence);
            System.Diagnostics.Activity.Current?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, e.GetType().Name);
            result = new BotTurnResult([new OutgoingMessage(BotMessages.Pick(messages.TechnicalProblem, language))], HandoffReason: "bot-error");
            failed = true;

            // The open dialog is what failed: drop it, or it fails again on the first message after the person hands back.
            state.ForgetOpenQuestion();
        }

        metrics.Turn(activity.Channel, failed ? Observability.TurnOutcome.Failed
            : result.HandoffReason is not null ? Observability.TurnOutcome.Handoff
            : result.Replies.Count > 0 ? Observability.TurnOutcome.Answered : Observability.TurnOutcome.Silent);

        if (result.HandoffReason is null)
        {
            return new TurnDecision(result.Replies, ConversationOwner.Bot, AnsweredByBot: result.Replies.Count > 0, Requests: result.Requests, RecordFields: result.RecordFields);
        }

        return await EscalateAsync(activity, state, language, result);
    }

    /// <summary>Queues the chat for a person (the turn's handoff reason) and says what happens next: the place in line, or when the team is back.</summary>
    private async Task<TurnDecision> EscalateAsync(ChannelActivity activity, BotConversationState state, string language, BotTurnResult result)
    {
        var messages = content.Current.Messages;
        language = state.Language ?? language;
        var reason = result.HandoffReason!;
        var outcome = await handoff.EscalateAsync(activity.ConversationId, reason, language, origin: activity.EventId);
        if (outcome.Kind == EscalationKind.AlreadyOver)
        {
            // This message's turn runs again after a crash, and the handoff it started is already over: say nothing twice.
            return new TurnDecision([], ConversationOwner.Bot, AnsweredByBot: false, RecordFields: result.RecordFields);
        }

        var replies = result.Replies.ToList();
        var requests = result.Requests?.ToList() ?? [];
        switch (outcome.Kind)
        {
            case EscalationKind.Queued or EscalationKind.AlreadyWaiting:
                state.Values[QueueNoticeKey] = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
                if (PositionNotice(outcome.Position, outcome.EstimatedWait, language) is { } notice)
                {
                    replies.Add(notice);
                }

                break;
            case EscalationKind.AfterHoursQueued or EscalationKind.OfflineRequest:
                // "Passing you to a person" would be untrue tonight: say when the team is back instead.
                replies.RemoveAll(r => messages.HandoffAcknowledged.ContainsValue(r.Text) || messages.HandoffAfterMisunderstanding.ContainsValue(r.Text));
                var lines = outcome.Kind == EscalationKind.OfflineRequest ? messages.AfterHoursOffline : messages.AfterHoursQueued;
                replies.Add(new OutgoingMessage(BotMessages.Pick(lines, language).Replace("{opens}", Opens(outcome, language), StringComparison.Ordinal)));
                if (outcome.Kind == EscalationKind.OfflineRequest)
                {
                    requests.Add(new LeadRequest("offline-handoff", new Dictionary<string, string> { ["reason"] = reason, ["department"] = outcome.Department }));
                }

                break;
        }

        return new TurnDecision(replies, outcome.Owner, AnsweredByBot: false, reason, requests, outcome, result.RecordFields);
    }

    /// <summary>
    /// The agent handed the chat back (returned or resolved): the customer is told that the bot answers again, so the
    /// next message is not written to a person who has left, and after a resolved chat asked to rate it. Not when the chat
    /// has moved on meanwhile (the customer asked for a person again, or another agent pulled it).
    /// </summary>
    private async Task<TurnDecision> HandedBackAsync(ChannelActivity activity, ConversationOwner owner, BotConversationState state)
    {
        state.ForgetOpenQuestion();
        state.Values.Remove(QueueNoticeKey);
        state.Values.Remove(SatisfactionSurvey.StateKey);
        if (!owner.IsBot)
        {
            return new TurnDecision([], owner, AnsweredByBot: false);
        }

        var messages = content.Current.Messages;
        var resolved = activity.Text == "resolved";
        var language = state.Language ?? LanguageDetector.FromLocale(activity.Locale) ?? "en";
        var replies = new List<OutgoingMessage>();
        if (BotMessages.Pick(resolved ? messages.ChatResolved : messages.ChatReturned, language) is { Length: > 0 } line)
        {
            replies.Add(new OutgoingMessage(line));
        }

        // The close's time names what is rated: the answer counts for this close only, once.
        if (resolved && BotMessages.Pick(messages.SatisfactionQuestion, language) is { Length: > 0 } question
            && await handoff.Store.GetChatAsync(activity.ConversationId) is { Status: HandoffStatus.Resolved, ClosedAt: { } closedAt })
        {
            state.Values[SatisfactionSurvey.StateKey] = closedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            replies.Add(new OutgoingMessage(question, SatisfactionSurvey.Choices));
        }

        return new TurnDecision(replies, owner, AnsweredByBot: false);
    }

    /// <summary>
    /// The customer's answer to the survey (<paramref name="surveyed"/>: the close it is about), when the message is a rating
    /// of it: kept for the agent's figures (the first one only), and thanked. Null when it is not (the message is then read
    /// as usual).
    /// </summary>
    private async Task<TurnDecision?> RatedAsync(ChannelActivity activity, string surveyed, string language)
    {
        if (SatisfactionSurvey.Parse(activity.Text) is not { } rating
            || !long.TryParse(surveyed, NumberStyles.None, CultureInfo.InvariantCulture, out var closedMs)
            || time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(closedMs) > SatisfactionSurvey.OpenFor
            || !await handoff.RateAsync(activity.Channel, activity.ConversationId, DateTimeOffset.FromUnixTimeMilliseconds(closedMs), rating))
        {
            return null;
        }

        metrics.Turn(activity.Channel, Observability.TurnOutcome.Answered);
        var messages = content.Current.Messages;
        var line = BotMessages.Pick(rating <= 2 ? messages.SatisfactionSorry : messages.SatisfactionThanks, language);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Interests.InterestRecord.IntentField] = SatisfactionSurvey.Intent,
            [SatisfactionSurvey.RatingField] = rating.ToString(CultureInfo.InvariantCulture),
        };
        return new TurnDecision(line.Length > 0 ? [new OutgoingMessage(line)] : [], ConversationOwner.Bot, AnsweredByBot: true, RecordFields: fields);
    }

    private async Task<TurnDecision> RouteQueuedAsync(ChannelActivity activity, BotConversationState state, string language)
    {
        var messages = content.Current.Messages;
        if (activity.Text is { Length: > 0 } text && Phrases.Contains(messages.CancelHandoff, text))
        {
            state.Values.Remove(QueueNoticeKey);
            return await handoff.AbandonAsync(activity.ConversationId)
                ? new TurnDecision([new OutgoingMessage(BotMessages.Pick(messages.BackToBot, language))], ConversationOwner.Bot, AnsweredByBot: true)
                : new TurnDecision([], ConversationOwner.Queued, AnsweredByBot: false); // an agent took it meanwhile: the commit sees the new owner
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var lastNotice = state.Values.TryGetValue(QueueNoticeKey, out var stored) && long.TryParse(stored, out var ms) ? ms : 0;
        var interval = TimeSpan.FromMinutes(handoffOptions.Value.QueueNoticeMinutes);
        if (activity.Kind == ActivityKind.ConversationStart || now - lastNotice < interval.TotalMilliseconds)
        {
            return new TurnDecision([], ConversationOwner.Queued, AnsweredByBot: false);
        }

        state.Values[QueueNoticeKey] = now.ToString(CultureInfo.InvariantCulture);
        var chat = await handoff.Store.GetChatAsync(activity.ConversationId);
        var (position, wait) = chat?.Department is { } department ? await handoff.WaitingAsync(activity.ConversationId, department) : (null, null);
        var notice = PositionNotice(position, wait, language) ?? new OutgoingMessage(BotMessages.Pick(messages.StillQueued, language));
        return new TurnDecision([notice], ConversationOwner.Queued, AnsweredByBot: false);
    }

    private OutgoingMessage? PositionNotice(long? position, TimeSpan? wait, string language)
    {
        if (position is null)
        {
            return null;
        }

        var messages = content.Current.Messages;
        if (wait is null)
        {
            return new OutgoingMessage(BotMessages.Pick(messages.QueuePositionNobodyOnline, language)
                .Replace("{position}", position.Value.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }

        var minutes = Math.Max(1, (int)Math.Ceiling(wait.Value.TotalMinutes));
        var text = BotMessages.Pick(messages.QueuePosition, language)
            .Replace("{position}", position.Value.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{minutes}", minutes.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        return new OutgoingMessage(text);
    }

    /// <summary>The next opening in the department's own time zone, written for the customer's language (e.g. "Monday 09:00").</summary>
    private string Opens(EscalationOutcome outcome, string language)
    {
        if (outcome.OpensAt is not { } opens || handoff.Departments.Find(outcome.Department) is not { } department)
        {
            return "—";
        }

        var local = TimeZoneInfo.ConvertTime(opens, department.Hours.TimeZone);
        var culture = CultureInfo.GetCultureInfo(language);
        return local.ToString("dddd HH:mm", culture) + " " + department.Hours.TimeZone.Id;
    }
}
