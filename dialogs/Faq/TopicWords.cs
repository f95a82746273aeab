namespace SupportBot.Dialogs.Faq;

/// <summary>
/// Words that name a topic several FAQ entries share: "delivery" (how long, how much, where to), "Lieferung", "заказ".
/// A message of that one word asks about the topic, not one of its questions, so the customer is offered the closest
/// of those entries to choose from rather than answered one of them ("payment" was answered "your payment failed").
/// </summary>
internal sealed class TopicWords
{
    /// <summary>A word in the questions of at least this many entries is a topic.</summary>
    public const int MinEntries = 3;

    // Every word of the questions and its stems in the three languages, each with the entries whose questions use it.
    private readonly Dictionary<string, HashSet<string>> _entriesByWord;

    private TopicWords(Dictionary<string, HashSet<string>> entriesByWord) => _entriesByWord = entriesByWord;

    public static TopicWords From(IEnumerable<LabeledText> examples)
    {
        var entriesByWord = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var stemmer = new FaqStemmer();
        foreach (var example in examples)
        {
            foreach (var word in TextWords.Of(example.Text))
            {
                foreach (var form in stemmer.FormsOf(word))
                {
                    if (!entriesByWord.TryGetValue(form, out var entries))
                    {
                        entriesByWord[form] = entries = new HashSet<string>(StringComparer.Ordinal);
                    }

                    entries.Add(example.Label);
                }
            }
        }

        return new TopicWords(entriesByWord);
    }

    /// <summary>
    /// The entries whose questions use the text's one word, when it is a single word shared by at least
    /// <see cref="MinEntries"/> entries; else null.
    /// </summary>
    public IReadOnlySet<string>? EntriesOf(string text)
    {
        var words = TextWords.Of(text).ToList();
        if (words.Count != 1)
        {
            return null;
        }

        HashSet<string>? widest = null;
        foreach (var form in new FaqStemmer().FormsOf(words[0])) // a stemmer of its own: they are not thread-safe
        {
            if (_entriesByWord.TryGetValue(form, out var entries) && entries.Count > (widest?.Count ?? 0))
            {
                widest = entries;
            }
        }

        return widest is { Count: >= MinEntries } ? widest : null;
    }
}
