using Lucene.Net.Tartarus.Snowball;
using Lucene.Net.Tartarus.Snowball.Ext;

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
        var stemmers = new Stemmers();
        foreach (var example in examples)
        {
            foreach (var word in TextWords.Of(example.Text))
            {
                foreach (var form in stemmers.FormsOf(word))
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

        // The word in whichever language it is: a lone word says too little for the language detector.
        HashSet<string>? widest = null;
        foreach (var form in new Stemmers().FormsOf(words[0]))
        {
            if (_entriesByWord.TryGetValue(form, out var entries) && entries.Count > (widest?.Count ?? 0))
            {
                widest = entries;
            }
        }

        return widest is { Count: >= MinEntries } ? widest : null;
    }

    /// <summary>A word as written (lower case) and its English, German and Russian Snowball stems. Not thread-safe.</summary>
    private sealed class Stemmers
    {
        private readonly SnowballProgram[] _stemmers = [new EnglishStemmer(), new GermanStemmer(), new RussianStemmer()];

        public IEnumerable<string> FormsOf(string word)
        {
            var lower = word.ToLowerInvariant();
            var forms = new HashSet<string>(StringComparer.Ordinal) { lower };
            foreach (var stemmer in _stemmers)
            {
                stemmer.SetCurrent(lower);
                stemmer.Stem();
                forms.Add(stemmer.Current);
            }

            return forms;
        }
    }
}
