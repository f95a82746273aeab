using SupportBot.Dialogs.Content;

namespace SupportBot.Dialogs.Faq;

/// <summary>
/// The greetings, thanks and goodbyes of the FAQ's small-talk entries (tag <see cref="Tag"/>), found around a
/// question: "Добрый день, где мой заказ?", "Wie funktioniert die Rücksendung? Danke!".
/// </summary>
/// <remarks>
/// Customers often wrap a question in a greeting. Recognised as a whole, such a message was often taken for the
/// greeting alone ("Hello! How can I help?" to "Добрый день, где мой заказ?"), or the greeting's words drowned the
/// question's. <see cref="Strip"/> cuts the phrases off so the question can be recognised by itself. Their questions of
/// symbols only ("👍") are matched as written (<see cref="SymbolsEntry"/>).
/// </remarks>
internal sealed class SocialPhrases
{
    /// <summary>The tag of the FAQ entries whose questions are greetings, thanks or goodbyes.</summary>
    public const string Tag = "smalltalk";

    // Emoji skin-tone modifiers (U+1F3FB–U+1F3FF): "👍🏽" means what "👍" does.
    private static readonly string[] SkinTones = ["\U0001F3FB", "\U0001F3FC", "\U0001F3FD", "\U0001F3FE", "\U0001F3FF"];

    // Each phrase as its lower-case words, longest first so "good morning" wins over "good".
    private readonly string[][] _phrases;
    private readonly HashSet<string> _labels;

    // Questions without a letter or digit ("👍", "🙏"), as Symbols() writes them, and their entries.
    private readonly Dictionary<string, string> _symbols;

    private SocialPhrases(string[][] phrases, HashSet<string> labels, Dictionary<string, string> symbols)
    {
        _phrases = phrases;
        _labels = labels;
        _symbols = symbols;
    }

    /// <summary>The small-talk entries' phrases, or null when the FAQ has none.</summary>
    public static SocialPhrases? From(IEnumerable<FaqEntry> entries)
    {
        var social = entries.Where(e => e.Tags.Contains(Tag, StringComparer.OrdinalIgnoreCase)).ToList();
        var phrases = social
            .SelectMany(e => e.Questions.Values.SelectMany(q => q))
            .Select(q => TextWords.Of(q).Select(w => w.ToLowerInvariant()).ToArray())
            .Where(words => words.Length > 0)
            .DistinctBy(words => string.Join(' ', words), StringComparer.Ordinal)
            .OrderByDescending(words => words.Length)
            .ToArray();
        var symbols = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in social)
        {
            foreach (var question in entry.Questions.Values.SelectMany(q => q).Where(IsSymbolsOnly))
            {
                symbols.TryAdd(Symbols(question), entry.Id);
            }
        }

        return phrases.Length == 0 && symbols.Count == 0
            ? null
            : new SocialPhrases(phrases, social.Select(e => e.Id).ToHashSet(StringComparer.Ordinal), symbols);
    }

    /// <summary>
    /// A question with no letter or digit, such as an emoji: the recognizer cannot learn it (to its features "👍" and
    /// "😡" look alike), so it is matched as written instead.
    /// </summary>
    public static bool IsSymbolsOnly(string text) => !string.IsNullOrWhiteSpace(text) && !text.Any(char.IsLetterOrDigit);

    /// <summary>The small-talk entry whose question the text is, when both are symbols only ("👍", "👍🏽", "👍👍"), else null.</summary>
    public string? SymbolsEntry(string text) =>
        _symbols.Count > 0 && IsSymbolsOnly(text) && _symbols.TryGetValue(Symbols(text), out var label) ? label : null;

    /// <summary>
    /// The text's symbols without white space, skin tones and emoji presentation selectors, a run of the same one
    /// written once: "👍🏽 👍" and "👍" read alike.
    /// </summary>
    private static string Symbols(string text)
    {
        var kept = new System.Text.StringBuilder();
        string? previous = null;
        var elements = System.Globalization.StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext())
        {
            var element = new string([.. ((string)elements.Current).Where(c => !char.IsWhiteSpace(c) && c != '\uFE0F')]);
            foreach (var tone in SkinTones)
            {
                element = element.Replace(tone, "", StringComparison.Ordinal);
            }

            if (element.Length > 0 && element != previous)
            {
                kept.Append(element);
                previous = element;
            }
        }

        return kept.ToString();
    }

    /// <summary>Whether the FAQ entry with this id is small talk.</summary>
    public bool IsSocial(string label) => _labels.Contains(label);

    /// <summary>
    /// The text without the greetings and thanks it begins or ends with ("Hi there, returns? thanks" → "returns?"),
    /// or null when it has none, or is nothing else.
    /// </summary>
    public string? Strip(string text)
    {
        var words = TextWords.Spans(text);
        var first = 0;
        var last = words.Count - 1;
        while (first <= last && MatchAt(text, words, first, last, forward: true) is > 0 and var length)
        {
            first += length;
        }

        while (first <= last && MatchAt(text, words, first, last, forward: false) is > 0 and var length)
        {
            last -= length;
        }

        if (first > last || (first == 0 && last == words.Count - 1))
        {
            return null;
        }

        // From the first word kept to just before the next word cut (its punctuation stays: "…заказ?").
        var start = words[first].Start;
        var end = last + 1 < words.Count ? words[last + 1].Start : text.Length;
        return text[start..end].Trim().TrimEnd(',', ';', '-', '–', '—').Trim();
    }

    /// <summary>How many words of the longest phrase at the start (or end) of words[first..last], or 0.</summary>
    private int MatchAt(string text, IReadOnlyList<(int Start, int Length)> words, int first, int last, bool forward)
    {
        foreach (var phrase in _phrases)
        {
            if (phrase.Length > last - first + 1)
            {
                continue;
            }

            var matches = true;
            for (var i = 0; i < phrase.Length && matches; i++)
            {
                var (start, length) = words[forward ? first + i : last - phrase.Length + 1 + i];
                matches = text.AsSpan(start, length).Equals(phrase[i], StringComparison.OrdinalIgnoreCase);
            }

            if (matches)
            {
                return phrase.Length;
            }
        }

        return 0;
    }
}
