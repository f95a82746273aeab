namespace SupportBot.Dialogs.Faq;

/// <summary>
/// The words of the training examples, for mending typos in new texts: a word not among them is replaced by the most
/// frequent known word one deletion away on either side ("recieve" → "receive", "transfered" → "transferred").
/// Read-only once built, so any number of threads may use it at once.
/// </summary>
internal sealed class WordVocabulary
{
    // Shorter words have too many neighbours one edit away to guess which was meant.
    private const int MinimumLength = 4;

    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    // For each known word with one letter dropped: the most frequent known word that gives it.
    private readonly Dictionary<string, string> _byDeletion = new(StringComparer.Ordinal);

    public WordVocabulary(IEnumerable<string> texts)
    {
        foreach (var text in texts)
        {
            foreach (var word in FaqStemmer.Words(text))
            {
                _counts[word] = _counts.GetValueOrDefault(word) + 1;
            }
        }

        foreach (var (word, count) in _counts)
        {
            if (word.Length < MinimumLength)
            {
                continue;
            }

            for (var i = 0; i < word.Length; i++)
            {
                var deleted = word.Remove(i, 1);
                if (!_byDeletion.TryGetValue(deleted, out var other) || _counts[other] < count)
                {
                    _byDeletion[deleted] = word;
                }
            }
        }
    }

    /// <summary>The word itself if known (or too short, or has digits), else the likeliest known word it mistypes, else itself.</summary>
    public string Fix(string word)
    {
        if (word.Length < MinimumLength || _counts.ContainsKey(word) || word.Any(char.IsDigit))
        {
            return word;
        }

        string? best = null;
        void Consider(string? candidate)
        {
            if (candidate is not null && (best is null || _counts[candidate] > _counts[best]))
            {
                best = candidate;
            }
        }

        // A letter missing from the typed word.
        Consider(_byDeletion.GetValueOrDefault(word));
        for (var i = 0; i < word.Length; i++)
        {
            var deleted = word.Remove(i, 1);

            // A letter too many, or one letter swapped for another (or two neighbours transposed, mostly).
            Consider(_counts.ContainsKey(deleted) ? deleted : null);
            Consider(_byDeletion.GetValueOrDefault(deleted));
        }

        return best ?? word;
    }
}
