namespace SupportBot.Dialogs.Content;

/// <summary>Looks for trigger phrases ("human", "оператор") in what a customer wrote, in any language.</summary>
public static class Phrases
{
    public static bool Contains(Dictionary<string, List<string>> phrasesByLanguage, string text)
    {
        var normalized = " " + new string(text.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : ' ').ToArray()) + " ";
        return phrasesByLanguage.Values.SelectMany(p => p)
            .Any(p => normalized.Contains(" " + p.ToLowerInvariant() + " ", StringComparison.Ordinal));
    }
}
