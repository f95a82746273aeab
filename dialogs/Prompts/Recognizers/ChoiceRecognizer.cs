using System.Globalization;

namespace SupportBot.Dialogs.Prompts.Recognizers;

/// <summary>
/// Which choice an answer means: its number ("2", "second", "второй", "zweite"), its value, title or a
/// synonym (any case), a phrase containing one, or one with a typo or two (scaled by length). Ambiguity fails.
/// </summary>
public static class ChoiceRecognizer
{
    private static readonly Dictionary<string, int> Ordinals = new(StringComparer.Ordinal)
    {
        ["first"] = 1, ["second"] = 2, ["third"] = 3, ["fourth"] = 4, ["fifth"] = 5,
        ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5,
        ["первый"] = 1, ["первое"] = 1, ["первая"] = 1, ["первую"] = 1, ["второй"] = 2, ["второе"] = 2, ["вторая"] = 2, ["вторую"] = 2,
        ["третий"] = 3, ["третье"] = 3, ["третья"] = 3, ["третью"] = 3, ["четвертый"] = 4, ["пятый"] = 5,
        ["один"] = 1, ["два"] = 2, ["три"] = 3, ["четыре"] = 4, ["пять"] = 5,
        ["erste"] = 1, ["erster"] = 1, ["ersten"] = 1, ["zweite"] = 2, ["zweiter"] = 2, ["zweiten"] = 2,
        ["dritte"] = 3, ["dritter"] = 3, ["dritten"] = 3, ["vierte"] = 4, ["fünfte"] = 5,
        ["eins"] = 1, ["zwei"] = 2, ["drei"] = 3, ["vier"] = 4, ["fünf"] = 5,
    };

    /// <summary>The index of the choice meant, or -1.</summary>
    public static int Recognize(string text, IReadOnlyList<Choice> choices)
    {
        var trimmed = text.AsSpan().Trim();
        // fast path: the exact value or title (what a button sends)
        for (var i = 0; i < choices.Count; i++)
        {
            if (trimmed.Equals(choices[i].Value, StringComparison.OrdinalIgnoreCase)
                || (choices[i].Title is { } title && trimmed.Equals(title, StringComparison.OrdinalIgnoreCase)))
            {
                return i;
            }
        }

        var normalized = TextNormalizer.Normalize(text);
        if (normalized.Length == 0)
        {
            return -1;
        }

        if (IsNumeral(normalized, out var number))
        {
            return number >= 1 && number <= choices.Count ? number - 1 : -1;
        }

        if (Ordinals.TryGetValue(normalized, out number) && number <= choices.Count)
        {
            // a choice literally called "one" wins over the ordinal
            var literal = Match(normalized, choices, exactOnly: true);
            return literal >= 0 ? literal : number - 1;
        }

        return Match(normalized, choices, exactOnly: false);
    }

    /// <summary>
    /// The index meant when the whole answer is a position among <paramref name="count"/> listed choices ("2", "2.",
    /// "2nd", "second", "второй", "zwei"), else -1. No matching by words: for choices whose titles are not at hand.
    /// </summary>
    public static int Position(string text, int count)
    {
        var normalized = TextNormalizer.Normalize(text);
        var number = IsNumeral(normalized, out var n) ? n : Ordinals.GetValueOrDefault(normalized);
        return number >= 1 && number <= count ? number - 1 : -1;
    }

    /// <summary>"2" or "2nd" (the normalizer has dropped the punctuation of "2." and "#2").</summary>
    private static bool IsNumeral(string normalized, out int number) =>
        int.TryParse(normalized, NumberStyles.None, CultureInfo.InvariantCulture, out number)
        || (normalized.Length > 2 && normalized.EndsWith("st", StringComparison.Ordinal) | normalized.EndsWith("nd", StringComparison.Ordinal)
            | normalized.EndsWith("rd", StringComparison.Ordinal) | normalized.EndsWith("th", StringComparison.Ordinal)
            && int.TryParse(normalized.AsSpan(0, normalized.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out number));

    /// <summary>True when the answer is a choice's value, title or synonym exactly (ignoring case and punctuation).</summary>
    public static bool IsExact(string text, IReadOnlyList<Choice> choices) =>
        Match(TextNormalizer.Normalize(text), choices, exactOnly: true) >= 0;

    private static int Match(string normalized, IReadOnlyList<Choice> choices, bool exactOnly)
    {
        var padded = " " + normalized + " ";
        var bestIndex = -1;
        var bestScore = int.MaxValue; // 0 exact, 1 contained, 2 + typos
        var tie = false;
        for (var i = 0; i < choices.Count; i++)
        {
            var score = Score(normalized, padded, choices[i].Value, exactOnly);
            if (choices[i].Title is { } title)
            {
                score = Math.Min(score, Score(normalized, padded, title, exactOnly));
            }

            if (choices[i].Synonyms is { } synonyms)
            {
                foreach (var synonym in synonyms)
                {
                    score = Math.Min(score, Score(normalized, padded, synonym, exactOnly));
                }
            }

            if (score < bestScore)
            {
                bestScore = score;
                bestIndex = i;
                tie = false;
            }
            else if (score == bestScore && score != int.MaxValue)
            {
                tie = true;
            }
        }

        return tie ? -1 : bestIndex;
    }

    private static int Score(string normalized, string padded, string candidate, bool exactOnly)
    {
        var value = TextNormalizer.Normalize(candidate);
        if (value.Length == 0)
        {
            return int.MaxValue;
        }

        if (value == normalized)
        {
            return 0;
        }

        if (exactOnly)
        {
            return int.MaxValue;
        }

        if (padded.Contains(" " + value + " ", StringComparison.Ordinal))
        {
            return 1;
        }

        var budget = TextNormalizer.TypoBudget(value.Length);
        if (budget > 0)
        {
            var distance = TextNormalizer.Levenshtein(normalized, value, budget);
            if (distance <= budget)
            {
                return 2 + distance;
            }
        }

        // a word of the answer close to a one-word choice ("i want to return it" → "Returns")
        if (!value.Contains(' ', StringComparison.Ordinal) && budget > 0)
        {
            var best = int.MaxValue;
            foreach (var range in normalized.AsSpan().Split(' '))
            {
                var word = normalized.AsSpan()[range];
                if (word.Length < 4)
                {
                    continue;
                }

                var distance = TextNormalizer.Levenshtein(word, value, budget);
                if (distance <= budget)
                {
                    best = Math.Min(best, 10 + distance);
                }
            }

            return best;
        }

        return int.MaxValue;
    }
}
