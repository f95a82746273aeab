using Microsoft.Extensions.Localization;

namespace SupportBot.AgentConsole;

/// <summary>
/// The agent's words for the values that records and customers carry: actions, sources, sentiments and the default
/// funnel stages (<c>ConsoleNames.resx</c>, <c>ConsoleNames.ru.resx</c>). A value without a word of its own (a team's
/// own funnel stage, a new channel) shows as it is stored. Exports and the API keep the stored values.
/// </summary>
public sealed class ConsoleNames(IStringLocalizer<ConsoleNames> words)
{
    public string Action(string? action) => Word("Action_", action);

    public string Source(string? source) => Word("Source_", source);

    public string Sentiment(string? sentiment) => Word("Sentiment_", sentiment);

    public string Stage(string? stage) => Word("Stage_", stage);

    /// <summary>
    /// A customer as agents call them: their name; else, for a website visitor who gave none, "Website visitor 2b9f" (the
    /// start of their random id, so two visitors differ at a glance); else the channel's id for them.
    /// </summary>
    public string Person(string? name, string? userId) =>
        !string.IsNullOrWhiteSpace(name) ? name
        : SupportBot.Channels.WebChat.DirectLineApi.IsAnonymousVisitor(userId) ? words["Visitor", userId![2..6]].Value
        : userId ?? "—";

    /// <summary>The word for a value of <paramref name="dimension"/> as reports group them ("action", "source", "sentiment").</summary>
    public string Of(string dimension, string? value) => dimension switch
    {
        "action" => Action(value),
        "source" => Source(value),
        "sentiment" => Sentiment(value),
        _ => string.IsNullOrEmpty(value) ? "–" : value,
    };

    private string Word(string kind, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "–";
        }

        var word = words[kind + value];
        return word.ResourceNotFound ? value : word.Value;
    }
}
