namespace SupportBot.Dialogs.Prompts.Recognizers;

/// <summary>Lower case, ё → е, punctuation → space, spaces collapsed, trimmed. Symbols and emoji are kept.</summary>
public static class TextNormalizer
{
    public static string Normalize(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        Span<char> buffer = text.Length <= 256 ? stackalloc char[text.Length] : new char[text.Length];
        var length = 0;
        var space = true;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                var lower = char.ToLowerInvariant(c);
                buffer[length++] = lower == 'ё' ? 'е' : lower;
                space = false;
            }
            else if (char.IsWhiteSpace(c) || char.IsPunctuation(c) || c == '\u00AB' || c == '\u00BB')
            {
                if (!space)
                {
                    buffer[length++] = ' ';
                    space = true;
                }
            }
            else if (c != '\uFE0F')
            {
                // symbols and emoji (and their surrogate halves); U+FE0F (emoji presentation) is dropped
                buffer[length++] = c;
                space = false;
            }
        }

        if (length > 0 && buffer[length - 1] == ' ')
        {
            length--;
        }

        return new string(buffer[..length]);
    }

    /// <summary>
    /// Edit distance counting an insert, delete, substitution or swap of neighbours ("nien" → "nein") as one
    /// (optimal string alignment), stopping early once it exceeds <paramref name="max"/>.
    /// </summary>
    public static int Levenshtein(ReadOnlySpan<char> a, ReadOnlySpan<char> b, int max = int.MaxValue)
    {
        if (Math.Abs(a.Length - b.Length) > max)
        {
            return max + 1;
        }

        if (a.Length == 0 || b.Length == 0)
        {
            return Math.Max(a.Length, b.Length);
        }

        var width = b.Length + 1;
        Span<int> rows = width * 3 <= 384 ? stackalloc int[width * 3] : new int[width * 3];
        var beforePrevious = rows[..width];
        var previous = rows.Slice(width, width);
        var current = rows.Slice(width * 2, width);
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMin = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var value = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    value = Math.Min(value, beforePrevious[j - 2] + 1);
                }

                current[j] = value;
                rowMin = Math.Min(rowMin, value);
            }

            if (rowMin > max)
            {
                return max + 1;
            }

            var recycled = beforePrevious;
            beforePrevious = previous;
            previous = current;
            current = recycled;
        }

        return previous[b.Length];
    }

    /// <summary>Typos tolerated for a word of this length: none up to 3 letters, 1 up to 6, else 2.</summary>
    public static int TypoBudget(int length) => length <= 3 ? 0 : length <= 6 ? 1 : 2;
}
