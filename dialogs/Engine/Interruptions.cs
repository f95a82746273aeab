using SupportBot.Dialogs.Prompts.Recognizers;

namespace SupportBot.Dialogs.Engine;

/// <summary>Things a customer can say at any step, whatever was asked.</summary>
public enum Interruption
{
    None,

    /// <summary>Explain, then re-ask the current question.</summary>
    Help,

    /// <summary>End every dialog.</summary>
    Cancel,

    /// <summary>Begin the root dialog again.</summary>
    StartOver,

    /// <summary>Hand off to a person.</summary>
    Human,
}

/// <summary>
/// Recognises interruptions in en, ru and de. Help, cancel and start-over must be the whole message
/// (politeness aside: "cancel please", "отмена, пожалуйста"), so "I need help with my order" stays an answer;
/// a request for a person ("operator", "живой человек", "Mitarbeiter") counts anywhere in the message.
/// </summary>
public static class InterruptionRecognizer
{
    private static readonly HashSet<string> Help = new(StringComparer.Ordinal)
    {
        "help", "help me", "what", "what can i say", "i don t understand", "options",
        "помощь", "помоги", "помогите", "справка", "что писать", "не понимаю", "не понял",
        "hilfe", "hilf mir", "helfen sie mir", "was", "ich verstehe nicht", "wie bitte",
    };

    private static readonly HashSet<string> Cancel = new(StringComparer.Ordinal)
    {
        "cancel", "stop", "quit", "exit", "never mind", "nevermind", "forget it", "cancel that", "cancel it",
        "отмена", "отменить", "отмени", "отменяю", "стоп", "хватит", "выход", "забудь",
        "abbrechen", "abbruch", "stopp", "vergiss es", "beenden", "abbrechen bitte", "storno",
    };

    private static readonly HashSet<string> StartOver = new(StringComparer.Ordinal)
    {
        "start over", "restart", "start again", "begin again", "reset", "from the beginning", "start from scratch",
        "начать заново", "начнем заново", "заново", "сначала", "с начала", "начать сначала", "давай сначала", "сброс",
        "von vorne", "von vorn", "neu starten", "neustart", "nochmal von vorne", "noch einmal von vorne", "neu anfangen", "von vorne anfangen",
    };

    /// <summary>Counted when the message is exactly one of these.</summary>
    private static readonly HashSet<string> HumanWhole = new(StringComparer.Ordinal)
    {
        "agent", "person", "a person", "someone", "support", "человек", "человека", "менеджер", "менеджера", "mensch", "menschen", "berater", "kundendienst",
    };

    /// <summary>Counted anywhere in the message.</summary>
    private static readonly string[] HumanAnywhere =
    [
        "human", "operator", "real person", "live person", "live agent", "real agent", "talk to a person", "speak to a person", "speak to someone", "talk to someone",
        "speak with someone", "talk with someone",
        "оператор", "оператора", "оператором", "живой человек", "живого человека", "живым человеком", "с человеком", "сотрудник", "сотрудника",
        "mitarbeiter", "mitarbeiterin", "echten menschen", "echter mensch", "mit einem menschen", "menschlichen",
        "mit jemandem sprechen", "mit jemandem reden", "mit einer person sprechen",
    ];

    private static readonly string[] HumanAnywherePadded = Array.ConvertAll(HumanAnywhere, phrase => " " + phrase + " ");

    private static readonly HashSet<string> Politeness = new(StringComparer.Ordinal) { "please", "pls", "пожалуйста", "плиз", "bitte" };

    public static Interruption Recognize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Interruption.None;
        }

        if (text.Trim() is "?" or "??" or "???")
        {
            return Interruption.Help;
        }

        var normalized = TextNormalizer.Normalize(text);
        if (normalized.Length == 0 || normalized.Length > 80)
        {
            return Interruption.None;
        }

        var padded = " " + normalized + " ";
        foreach (var phrase in HumanAnywherePadded)
        {
            if (padded.Contains(phrase, StringComparison.Ordinal))
            {
                return Interruption.Human;
            }
        }

        var core = StripPoliteness(normalized);
        return HumanWhole.Contains(core) ? Interruption.Human
            : Cancel.Contains(core) ? Interruption.Cancel
            : StartOver.Contains(core) ? Interruption.StartOver
            : Help.Contains(core) ? Interruption.Help
            : Interruption.None;
    }

    private static string StripPoliteness(string normalized)
    {
        if (!normalized.Contains(' ', StringComparison.Ordinal))
        {
            return normalized;
        }

        var words = normalized.Split(' ');
        var kept = new List<string>(words.Length);
        foreach (var word in words)
        {
            if (!Politeness.Contains(word))
            {
                kept.Add(word);
            }
        }

        return string.Join(' ', kept);
    }
}
