namespace SupportBot.Dialogs.Content;

/// <summary>Looks for trigger phrases ("human", "оператор", "по-русски") in what a customer wrote, in any language.</summary>
public static class Phrases
{
    public static bool Contains(Dictionary<string, List<string>> phrasesByLanguage, string text) =>
        ContainsAny(phrasesByLanguage.Values.SelectMany(p => p), text);

    public static bool ContainsAny(IEnumerable<string> phrases, string text)
    {
        var normalized = Normalize(text);
        return phrases.Any(p => normalized.Contains(Normalize(p), StringComparison.Ordinal));
    }

    /// <summary>Lower case, punctuation and hyphens as spaces, padded, so " по русски " matches as whole words.</summary>
    private static string Normalize(string text) =>
        " " + string.Join(' ', new string([.. text.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : ' ')])
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)) + " ";
}
