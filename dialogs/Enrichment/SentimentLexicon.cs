using System.Globalization;
using System.Text;

namespace SupportBot.Dialogs.Enrichment;

/// <summary>
/// positive / neutral / negative from a small on-machine lexicon for English, Russian and German
/// (word stems; a negation just before a word flips it; "!!!" and shouting make a negative stronger).
/// Used for every inbound interest record when no model enriches it.
/// </summary>
public static class SentimentLexicon
{
    public const string Positive = "positive";
    public const string Neutral = "neutral";
    public const string Negative = "negative";

    // Stems: a word counts when it starts with one of these.
    private static readonly string[] PositiveStems =
    [
        // en
        "thank", "thx", "great", "excellent", "perfect", "love", "awesome", "amazing", "wonderful", "happy", "glad", "good", "nice", "helpful", "fantastic", "brilliant", "pleased",
        // ru
        "спасиб", "благодар", "отличн", "прекрасн", "замечательн", "супер", "класс", "рад", "доволен", "довольн", "хорош", "помогл", "люблю",
        // de
        "danke", "dank", "super", "toll", "prima", "perfekt", "wunderbar", "hervorragend", "zufrieden", "freue", "gut", "klasse", "hilfreich",
    ];

    private static readonly string[] NegativeStems =
    [
        // en
        "bad", "terrible", "awful", "horrible", "worst", "angry", "furious", "disappoint", "unacceptable", "useless", "scam", "fraud", "broken", "rude", "hate", "annoy", "ridiculous", "complain", "wtf", "outrage",
        // ru
        "ужасн", "плох", "отвратит", "кошмар", "безобраз", "возмут", "обман", "мошенн", "разочаров", "бесполезн", "хамств", "хам", "злой", "зла", "жалоб", "позор", "недовол", "сломан", "бред",
        // de
        "schlecht", "schrecklich", "furchtbar", "katastroph", "enttäusch", "ärger", "wütend", "unverschämt", "betrug", "nutzlos", "frech", "beschwerde", "kaputt", "unmöglich", "sauer", "mies",
    ];

    private static readonly string[] Negations = ["not", "no", "never", "don't", "dont", "isn't", "wasn't", "не", "нет", "ни", "nicht", "kein", "keine", "nie"];

    public static string Classify(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Neutral;
        }

        var words = Words(text);
        var score = 0.0;
        for (var i = 0; i < words.Count; i++)
        {
            var polarity = Matches(words[i], PositiveStems) ? 1 : Matches(words[i], NegativeStems) ? -1 : 0;
            if (polarity == 0)
            {
                continue;
            }

            var negated = (i > 0 && Negations.Contains(words[i - 1])) || (i > 1 && Negations.Contains(words[i - 2]));
            score += negated ? -polarity * 0.8 : polarity;
        }

        if (score < 0 && (text.Contains("!!", StringComparison.Ordinal) || Shouting(text)))
        {
            score -= 0.5;
        }

        return score >= 1 ? Positive : score <= -1 ? Negative : score < 0 ? Negative : Neutral;
    }

    private static bool Matches(string word, string[] stems)
    {
        foreach (var stem in stems)
        {
            // Short stems must match whole words ("gut" not "guten Tag" — greeting —, "bad" not "badge").
            if (stem.Length <= 4 ? word == stem : word.StartsWith(stem, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Shouting(string text)
    {
        var letters = text.Count(char.IsLetter);
        return letters >= 8 && text.Count(char.IsUpper) > letters * 0.7;
    }

    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c) || c == '\'')
            {
                word.Append(char.ToLower(c, CultureInfo.InvariantCulture) is 'ё' ? 'е' : char.ToLower(c, CultureInfo.InvariantCulture));
            }
            else if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
