namespace SupportBot.Dialogs.Faq;

/// <summary>The words of a text as the FAQ's helpers read them: runs of letters and digits (an apostrophe or hyphen splits).</summary>
internal static class TextWords
{
    /// <summary>Where each word starts and how long it is.</summary>
    public static IReadOnlyList<(int Start, int Length)> Spans(string text)
    {
        var words = new List<(int, int)>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                words.Add((start, i - start));
                start = -1;
            }
        }

        return words;
    }

    /// <summary>The words, as written.</summary>
    public static IEnumerable<string> Of(string text) => Spans(text).Select(w => text.Substring(w.Start, w.Length));

    public static int Count(string text) => Spans(text).Count;
}
