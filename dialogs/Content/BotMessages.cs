namespace SupportBot.Dialogs.Content;

/// <summary>The bot's own lines (greeting, fallback, handoff) per language, from <c>content/messages.yaml</c>.</summary>
public sealed class BotMessages
{
    public Dictionary<string, string> Greeting { get; set; } = [];
    public Dictionary<string, string> Fallback { get; set; } = [];
    /// <summary>Leads the suggested questions when the FAQ recognizer is torn between a few entries.</summary>
    public Dictionary<string, string> Clarify { get; set; } = [];

    public Dictionary<string, string> HandoffAcknowledged { get; set; } = [];
    public Dictionary<string, string> StillQueued { get; set; } = [];
    /// <summary>Place in line and wait estimate; placeholders {position} and {minutes}.</summary>
    public Dictionary<string, string> QueuePosition { get; set; } = [];
    /// <summary>Place in line when no agent of the department is online (open hours): no estimate; placeholder {position}.</summary>
    public Dictionary<string, string> QueuePositionNobodyOnline { get; set; } = [];
    /// <summary>Closed now; the chat waits for the opening at {opens} and the bot keeps answering.</summary>
    public Dictionary<string, string> AfterHoursQueued { get; set; } = [];
    /// <summary>Closed now and not queued: the request is noted and the team answers after {opens}.</summary>
    public Dictionary<string, string> AfterHoursOffline { get; set; } = [];
    /// <summary>"I don't understand" too many times in a row: the bot brings a person in.</summary>
    public Dictionary<string, string> HandoffAfterMisunderstanding { get; set; } = [];
    public Dictionary<string, string> BackToBot { get; set; } = [];

    /// <summary>Said when an agent hands the chat back to the bot; empty in every language to say nothing.</summary>
    public Dictionary<string, string> ChatReturned { get; set; } = [];

    /// <summary>Said when an agent marks the chat resolved; empty in every language to say nothing.</summary>
    public Dictionary<string, string> ChatResolved { get; set; } = [];
    public Dictionary<string, string> TechnicalProblem { get; set; } = [];

    /// <summary>Asked after <see cref="ChatResolved"/>, with the ratings 1–5 as buttons; empty in every language to ask nothing.</summary>
    public Dictionary<string, string> SatisfactionQuestion { get; set; } = [];

    /// <summary>The answer to a rating of 3–5.</summary>
    public Dictionary<string, string> SatisfactionThanks { get; set; } = [];

    /// <summary>The answer to a rating of 1 or 2: thanks, and how to get a person back.</summary>
    public Dictionary<string, string> SatisfactionSorry { get; set; } = [];

    /// <summary>
    /// Above an agent's first message in a chat on Telegram or VK, where the customer sees no sender; placeholder {agent}
    /// (their name). Empty in every language: the agent's words go as written.
    /// </summary>
    public Dictionary<string, string> AgentIntroduction { get; set; } = [];

    /// <summary>
    /// Said to a message that is only an e-mail address or a phone number, before the request intake starts with it filled
    /// in; placeholder {contact}. Empty in every language: such a message is a question like any other.
    /// </summary>
    public Dictionary<string, string> ContactNoted { get; set; } = [];

    /// <summary>Said to a message that is only a photo, voice message or file (no words): the bot cannot look at it.</summary>
    public Dictionary<string, string> AttachmentOnly { get; set; } = [];
    public Dictionary<string, string> LanguageSwitched { get; set; } = [];

    /// <summary>The subject of the confirmation mail to a web form's author.</summary>
    public Dictionary<string, string> FormConfirmationSubject { get; set; } = [];

    /// <summary>Its text; placeholders {name} and {product}, a [bracketed part] is left out when its placeholder has no value.</summary>
    public Dictionary<string, string> FormConfirmation { get; set; } = [];

    /// <summary>Short messages that ask for a language, keyed by the language asked for.</summary>
    public Dictionary<string, List<string>> SwitchLanguage { get; set; } = [];

    /// <summary>The button that offers a person ("Talk to a person"); pressing it sends these words when they hold a <see cref="HumanRequest"/> word, else the first of those.</summary>
    public Dictionary<string, string> HumanChoice { get; set; } = [];

    /// <summary>Words that mean "I want a person", per language.</summary>
    public Dictionary<string, List<string>> HumanRequest { get; set; } = [];

    /// <summary>Words that cancel a pending handoff ("never mind"), per language.</summary>
    public Dictionary<string, List<string>> CancelHandoff { get; set; } = [];

    /// <summary>The language a short message asks for ("по-русски", "auf Deutsch"), if it asks for one.</summary>
    public string? RequestedLanguage(string text)
    {
        // Only short messages: "I bought a Russian doll" is not a request to switch.
        if (text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length > 4)
        {
            return null;
        }

        foreach (var (language, phrases) in SwitchLanguage)
        {
            if (Phrases.Contains(new() { [language] = phrases }, text))
            {
                return language;
            }
        }

        return null;
    }

    /// <summary>The line in the language asked for, else English, else any.</summary>
    public static string Pick(Dictionary<string, string> lines, string language) =>
        lines.TryGetValue(language, out var line) ? line
        : lines.TryGetValue("en", out var english) ? english
        : lines.Values.FirstOrDefault() ?? "";
}
