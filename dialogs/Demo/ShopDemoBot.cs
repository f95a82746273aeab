using SupportBot.Contracts;
using SupportBot.Dialogs.Content;

namespace SupportBot.Dialogs.Demo;

/// <summary>
/// The shipped demo bot: greets, answers shop questions from the FAQ content, and hands the
/// conversation to a person when asked.
/// </summary>
public sealed class ShopDemoBot(ContentCatalog content) : IConversationBot
{
    private readonly FaqMatcher _faq = new(content.Faq);

    public Task<BotTurnResult> OnTurnAsync(BotTurn turn, CancellationToken cancellationToken)
    {
        var activity = turn.Activity;
        var state = turn.State;
        state.Turns++;
        state.Language ??= LanguageDetector.FromLocale(activity.Locale);
        if (!string.IsNullOrWhiteSpace(activity.Text))
        {
            state.Language = LanguageDetector.FromText(activity.Text, state.Language ?? "en");
        }

        var language = state.Language ?? "en";
        var messages = content.Messages;
        var replies = new List<OutgoingMessage>();
        if (!state.Greeted)
        {
            state.Greeted = true;
            replies.Add(new OutgoingMessage(BotMessages.Pick(messages.Greeting, language)));
        }

        var text = activity.Text?.Trim();
        if (activity.Kind == ActivityKind.ConversationStart || string.IsNullOrEmpty(text))
        {
            return Task.FromResult(new BotTurnResult(replies));
        }

        if (Phrases.Contains(messages.HumanRequest, text))
        {
            replies.Add(new OutgoingMessage(BotMessages.Pick(messages.HandoffAcknowledged, language)));
            return Task.FromResult(new BotTurnResult(replies, HandoffReason: "customer-request"));
        }

        var match = _faq.Match(text);
        if (match is null)
        {
            replies.Add(new OutgoingMessage(BotMessages.Pick(messages.Fallback, language), HumanChoice(language)));
            return Task.FromResult(new BotTurnResult(replies));
        }

        state.Values["lastFaq"] = match.Entry.Id;
        replies.Add(new OutgoingMessage(
            BotMessages.Pick(match.Entry.Answer, language),
            match.Entry.OfferHuman ? HumanChoice(language) : null));
        return Task.FromResult(new BotTurnResult(replies));
    }

    private IReadOnlyList<SuggestedChoice> HumanChoice(string language)
    {
        var phrase = content.Messages.HumanRequest.TryGetValue(language, out var words) && words.Count > 0 ? words[0] : "human";
        return [new SuggestedChoice(phrase, phrase)];
    }
}
