using System.Text;
using System.Text.RegularExpressions;

namespace SupportBot.Dialogs.Llm;

/// <summary>
/// Replaces e-mails (also with Cyrillic or umlauted names and domains), card numbers (16–19 digits, or 13–15
/// passing Luhn: a mistyped card is still a card) and phone numbers (7–15 digits, in en/ru/de writing: +7 (916)
/// 123-45-67, 0171/1234567, +49 (0)30 …) with placeholders such as <c>[email-1]</c> before text leaves the
/// machine; the map restores them in tool arguments.
/// </summary>
public static partial class PiiMasker
{
    [GeneratedRegex(@"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}.\-]+\.\p{L}{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    // A run of digits with single spaces, dashes, dots, slashes or brackets between them; an optional leading +.
    [GeneratedRegex(@"(?<![\w+])\+?\(?\d(?:[\s\-./()]{0,2}\d){6,18}(?!\w)", RegexOptions.CultureInvariant)]
    private static partial Regex DigitRun();

    // Dates and times are not phone numbers: 2026-11-24, 24.11.2026, 24/11/2026 14:30.
    [GeneratedRegex(@"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4})(?:\s+\d{1,2}[:.]\d{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Date();

    /// <summary>The masked text; <paramref name="map"/> gets placeholder → original.</summary>
    public static string Mask(string text, Dictionary<string, string> map)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        var masked = Email().Replace(text, m => Placeholder("email", m.Value, map));
        return DigitRun().Replace(masked, m =>
        {
            if (Date().IsMatch(m.Value))
            {
                return m.Value;
            }

            var digits = CountDigits(m.Value);
            if (digits is >= 16 and <= 19 || (digits is >= 13 and <= 15 && Luhn(m.Value)))
            {
                return Placeholder("card", m.Value, map);
            }

            return digits <= 15 ? Placeholder("phone", m.Value, map) : m.Value;
        });
    }

    public static string Mask(string text) => Mask(text, new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>Puts the originals back where the model repeated a placeholder.</summary>
    /// <param name="keepCards">Leave card placeholders masked (a card number is never echoed back in a reply).</param>
    public static string Unmask(string text, IReadOnlyDictionary<string, string> map, bool keepCards = false)
    {
        if (map.Count == 0 || string.IsNullOrEmpty(text) || !text.Contains('[', StringComparison.Ordinal))
        {
            return text;
        }

        var builder = new StringBuilder(text);
        foreach (var (placeholder, original) in map)
        {
            if (keepCards && placeholder.StartsWith("[card-", StringComparison.Ordinal))
            {
                continue;
            }

            builder.Replace(placeholder, original);
        }

        return builder.ToString();
    }

    private static string Placeholder(string kind, string original, Dictionary<string, string> map)
    {
        foreach (var (key, value) in map)
        {
            if (value == original)
            {
                return key;
            }
        }

        var n = 1 + map.Keys.Count(k => k.StartsWith("[" + kind + "-", StringComparison.Ordinal));
        var placeholder = $"[{kind}-{n}]";
        map[placeholder] = original;
        return placeholder;
    }

    private static int CountDigits(string s) => s.Count(char.IsAsciiDigit);

    private static bool Luhn(string s)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = s.Length - 1; i >= 0; i--)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                continue;
            }

            var d = s[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return sum % 10 == 0;
    }
}
