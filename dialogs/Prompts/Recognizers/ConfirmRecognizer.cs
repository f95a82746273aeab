namespace SupportBot.Dialogs.Prompts.Recognizers;

/// <summary>Yes or no in English, Russian and German, including emoji, "yes please", "да, конечно", "nein danke".</summary>
public static class ConfirmRecognizer
{
    private static readonly HashSet<string> YesPhrases = new(StringComparer.Ordinal)
    {
        "yes", "y", "yeah", "yea", "yep", "yup", "sure", "ok", "okay", "k", "of course", "correct", "right", "yes please", "please do",
        "absolutely", "definitely", "go ahead", "sounds good", "that s right", "true", "aye", "👍", "✅", "✔", "👌",
        "да", "ага", "угу", "конечно", "давай", "давайте", "хорошо", "ок", "окей", "верно", "точно", "правильно", "да пожалуйста", "ладно", "разумеется", "д",
        "ja", "jawohl", "genau", "klar", "gerne", "gern", "sicher", "richtig", "stimmt", "ja bitte", "ja gerne", "natürlich", "jep", "jo", "einverstanden", "passt",
    };

    private static readonly HashSet<string> NoPhrases = new(StringComparer.Ordinal)
    {
        "no", "n", "nope", "nah", "no thanks", "no thank you", "not really", "never", "don t", "do not", "wrong", "incorrect", "false", "👎", "❌", "✖",
        "нет", "неа", "не", "не надо", "нет спасибо", "не нужно", "ни в коем случае", "неверно", "не хочу", "отказываюсь",
        "nein", "ne", "nee", "nö", "nein danke", "nicht", "auf keinen fall", "falsch", "lieber nicht",
    };

    /// <summary>Words that decide the answer when they open it ("yes, and …", "нет, не нужно").</summary>
    private static readonly HashSet<string> YesFirstWords = new(StringComparer.Ordinal) { "yes", "yeah", "yep", "sure", "ok", "okay", "да", "конечно", "ja", "klar", "gerne", "👍" };

    private static readonly HashSet<string> NoFirstWords = new(StringComparer.Ordinal) { "no", "nope", "нет", "nein", "👎" };

    /// <summary>Openings whose first word says the opposite: "no problem" agrees, "да нет" refuses.</summary>
    private static readonly (string Phrase, bool Yes)[] Idioms =
    [
        ("no problem", true), ("no worries", true), ("why not", true), ("не вопрос", true), ("kein problem", true), ("warum nicht", true),
        ("да нет", false), ("ну нет", false), ("ja nein", false),
    ];

    /// <summary>true for yes, false for no, null when unclear.</summary>
    public static bool? Recognize(string text)
    {
        var normalized = TextNormalizer.Normalize(text);
        if (normalized.Length == 0)
        {
            return null;
        }

        if (YesPhrases.Contains(normalized))
        {
            return true;
        }

        if (NoPhrases.Contains(normalized))
        {
            return false;
        }

        foreach (var (phrase, agrees) in Idioms)
        {
            if (normalized.StartsWith(phrase, StringComparison.Ordinal) && (normalized.Length == phrase.Length || normalized[phrase.Length] == ' '))
            {
                return agrees;
            }
        }

        var space = normalized.IndexOf(' ', StringComparison.Ordinal);
        var first = space < 0 ? normalized : normalized[..space];
        if (space > 0)
        {
            if (YesFirstWords.Contains(first))
            {
                return true;
            }

            if (NoFirstWords.Contains(first))
            {
                return false;
            }
        }

        if (StartsWithEmoji(normalized, out var yes))
        {
            return yes;
        }

        // one typo in a longer word: "yess", "nien", "kонечно"
        if (space < 0 && first.Length >= 4)
        {
            bool? answer = null;
            foreach (var phrase in YesPhrases)
            {
                if (phrase.Length >= 3 && !phrase.Contains(' ', StringComparison.Ordinal) && TextNormalizer.Levenshtein(first, phrase, 1) <= 1)
                {
                    answer = true;
                    break;
                }
            }

            foreach (var phrase in NoPhrases)
            {
                if (phrase.Length >= 3 && !phrase.Contains(' ', StringComparison.Ordinal) && TextNormalizer.Levenshtein(first, phrase, 1) <= 1)
                {
                    return answer == true ? null : false;
                }
            }

            return answer;
        }

        if (first is "yes" or "yess" or "yse" or "ys")
        {
            return true;
        }

        return null;
    }

    private static bool StartsWithEmoji(string normalized, out bool yes)
    {
        yes = normalized.StartsWith("👍", StringComparison.Ordinal) || normalized.StartsWith("✅", StringComparison.Ordinal) || normalized.StartsWith("👌", StringComparison.Ordinal);
        return yes || normalized.StartsWith("👎", StringComparison.Ordinal) || normalized.StartsWith("❌", StringComparison.Ordinal);
    }
}
