using SupportBot.Contracts;
using SupportBot.Dialogs.Content;
using SupportBot.Dialogs.Faq;

namespace SupportBot.Dialogs.Demo;

/// <summary>
/// The shipped demo bot: greets, answers shop questions from the FAQ content, and hands the
/// conversation to a person when asked.
/// </summary>
public sealed class ShopDemoBot(ContentCatalog content) : IConversationBot
{
    // Trained once, when the host builds the bot (about a second for the shipped content).
    private readonly FaqRecognizer _faq = FaqRecognizer.FromFaq(content.Faq);
    private readonly Dictionary<string, FaqEntry> _entries = content.Faq.ToDictionary(e => e.Id, StringComparer.Ordinal);

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

        var recognition = _faq.Recognize(text, 3);
        switch (recognition.Decision)
        {
            case FaqDecision.Answer:
                var entry = _entries[recognition.Candidates[0].Label];
                state.Values["lastFaq"] = entry.Id;
                replies.Add(new OutgoingMessage(
                    BotMessages.Pick(entry.Answer, language),
                    entry.OfferHuman ? HumanChoice(language) : null));
                break;
            case FaqDecision.Choices:
                // Torn between a few entries: offer their questions, in the customer's language, to pick from.
                var choices = recognition.Candidates.Take(3)
                    .Select(c => FirstQuestion(_entries[c.Label], language))
                    .Where(q => q.Length > 0)
                    .Select(q => new SuggestedChoice(q, q))
                    .ToList();
                replies.Add(new OutgoingMessage(BotMessages.Pick(messages.Clarify, language), choices));
                break;
            default:
                replies.Add(new OutgoingMessage(BotMessages.Pick(messages.Fallback, language), HumanChoice(language)));
                break;
        }

        return Task.FromResult(new BotTurnResult(replies));
    }

    /// <summary>The entry's first question in <paramref name="language"/>, else English, else any.</summary>
    private static string FirstQuestion(FaqEntry entry, string language) =>
        (entry.Questions.TryGetValue(language, out var questions) && questions.Count > 0 ? questions
        : entry.Questions.TryGetValue("en", out var english) && english.Count > 0 ? english
        : entry.Questions.Values.FirstOrDefault(q => q.Count > 0))?[0] ?? "";

    private IReadOnlyList<SuggestedChoice> HumanChoice(string language)
    {
        var phrase = content.Messages.HumanRequest.TryGetValue(language, out var words) && words.Count > 0 ? words[0] : "human";
        return [new SuggestedChoice(phrase, phrase)];
    }
}
