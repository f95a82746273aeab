namespace SupportBot.Dialogs;

/// <summary>Picks en, ru or de from the channel's locale, else from the text itself.</summary>
public static class LanguageDetector
{
    public static readonly IReadOnlyList<string> Supported = ["en", "ru", "de"];

    private static readonly HashSet<string> GermanWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "ich", "und", "wie", "nicht", "ist", "mein", "meine", "bitte", "hallo", "danke", "wann", "wo", "kann", "lieferung", "bestellung", "guten", "tag",
    };

    public static string? FromLocale(string? locale)
    {
        if (string.IsNullOrWhiteSpace(locale) || locale.Length < 2)
        {
            return null;
        }

        var prefix = locale[..2].ToLowerInvariant();
        return Supported.Contains(prefix) ? prefix : null;
    }

    public static string FromText(string? text, string fallback = "en")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (text.Any(c => c is >= '\u0400' and <= '\u04FF'))
        {
            return "ru";
        }

        if (text.Any(c => c is 'ä' or 'ö' or 'ü' or 'ß' or 'Ä' or 'Ö' or 'Ü'))
        {
            return "de";
        }

        var words = text.Split([' ', ',', '.', '!', '?', ';', ':'], StringSplitOptions.RemoveEmptyEntries);
        return words.Any(GermanWords.Contains) ? "de" : fallback;
    }
}
