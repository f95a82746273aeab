using System.Globalization;

namespace SupportBot.Dialogs.Prompts.Recognizers;

/// <summary>
/// A person's name from the answer to "What is your name?": "My name is Anna" → "Anna", "меня зовут анна" → "Анна",
/// "Ich heiße Jürgen Müller." → "Jürgen Müller". Null for what is no name: "hello", "ok", a question, an e-mail address,
/// digits, or a whole sentence.
/// </summary>
public static class NameRecognizer
{
    /// <summary>Longer names than this (in words or characters) are sentences, not names.</summary>
    private const int MaxWords = 5;
    private const int MaxLength = 60;

    // How people introduce themselves, longest first ("name is" before "name"). Compared in lower case,
    // followed by a space or punctuation ("я" must not cut "Яна").
    private static readonly string[] LeadIns = new[]
    {
        "my name is", "my name's", "the name is", "name is", "this is", "it's", "it is", "i'm", "i am", "call me", "name",
        "меня зовут", "моё имя", "мое имя", "зовут", "имя", "это", "я",
        "mein name ist", "ich heiße", "ich heisse", "hier ist", "hier spricht", "ich bin",
    }.OrderByDescending(l => l.Length).ToArray();

    // Answers that are not names although they look like one: greetings, thanks, yes and no.
    private static readonly HashSet<string> NotNames = new(StringComparer.Ordinal)
    {
        "hi", "hello", "hey", "hi there", "good morning", "good afternoon", "good evening", "thanks", "thank you",
        "yes", "no", "ok", "okay", "sure", "why", "what", "anonymous", "none", "no name",
        "привет", "здравствуйте", "здрасте", "добрый день", "доброе утро", "добрый вечер", "спасибо", "да", "нет", "ок",
        "зачем", "что", "аноним", "не скажу",
        "hallo", "guten tag", "guten morgen", "guten abend", "moin", "servus", "danke", "ja", "nein", "warum", "was", "anonym",
    };

    public static string? Recognize(string text)
    {
        var name = text.Trim().TrimEnd('.', '!', ',', ';', ')', ' ').Trim();
        var lower = name.ToLowerInvariant().Replace('\u2019', '\''); // "I’m" as phones type it
        foreach (var leadIn in LeadIns)
        {
            if (lower == leadIn)
            {
                return null; // "my name is", and nothing after it
            }

            if (lower.Length > leadIn.Length && lower.StartsWith(leadIn, StringComparison.Ordinal) && !char.IsLetterOrDigit(lower[leadIn.Length]))
            {
                name = name[leadIn.Length..].TrimStart(' ', ':', ',', '-', '–', '—').Trim();
                break;
            }
        }

        var words = name.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length is 0 or > MaxWords || name.Length > MaxLength
            || name.Any(c => char.IsDigit(c) || c is '?' or '@')
            || !name.Any(char.IsLetter)
            || NotNames.Contains(TextNormalizer.Normalize(name)))
        {
            return null;
        }

        // "анна смирнова" → "Анна Смирнова"; a name already written with capitals stays as written ("McDonald", "van Dijk").
        return name.Any(char.IsUpper)
            ? string.Join(' ', words)
            : string.Join(' ', words.Select(w => char.ToUpper(w[0], CultureInfo.InvariantCulture) + w[1..]));
    }
}
