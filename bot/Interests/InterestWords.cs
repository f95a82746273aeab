using System.Globalization;
using System.Text;

namespace SupportBot.Interests;

/// <summary>
/// The words of the feed's full-text index: letters and digits, lower-cased, diacritics folded
/// (é → e, ё → е, й → и), so "Café" finds "cafe" and "ёлка" finds "елка". Latin and Cyrillic alike.
/// </summary>
public static class InterestWords
{
    /// <summary>Longer words are cut (an index key per word; nobody searches for 40 letters).</summary>
    public const int MaxWordLength = 40;

    /// <summary>A record's text is indexed up to this many distinct words.</summary>
    public const int MaxWordsPerRecord = 200;

    public static IReadOnlyList<string> Of(params string?[] texts)
    {
        var words = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = new StringBuilder();
        foreach (var text in texts)
        {
            if (string.IsNullOrEmpty(text))
            {
                continue;
            }

            foreach (var c in Contracts.UnicodeText.Normalizable(text).Normalize(NormalizationForm.FormD))
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(c);
                if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
                {
                    continue; // the accent of a decomposed letter
                }

                if (char.IsLetterOrDigit(c))
                {
                    if (current.Length < MaxWordLength)
                    {
                        current.Append(char.ToLowerInvariant(c));
                    }

                    continue;
                }

                Flush(current, words, seen);
            }

            Flush(current, words, seen);
        }

        return words.Count > MaxWordsPerRecord ? words[..MaxWordsPerRecord] : words;
    }

    private static void Flush(StringBuilder current, List<string> words, HashSet<string> seen)
    {
        if (current.Length > 0 && seen.Add(current.ToString()))
        {
            words.Add(current.ToString());
        }

        current.Clear();
    }
}
