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
    public Dictionary<string, string> BackToBot { get; set; } = [];
    public Dictionary<string, string> TechnicalProblem { get; set; } = [];

    /// <summary>Words that mean "I want a person", per language.</summary>
    public Dictionary<string, List<string>> HumanRequest { get; set; } = [];

    /// <summary>Words that cancel a pending handoff ("never mind"), per language.</summary>
    public Dictionary<string, List<string>> CancelHandoff { get; set; } = [];

    /// <summary>The line in the language asked for, else English, else any.</summary>
    public static string Pick(Dictionary<string, string> lines, string language) =>
        lines.TryGetValue(language, out var line) ? line
        : lines.TryGetValue("en", out var english) ? english
        : lines.Values.FirstOrDefault() ?? "";
}
