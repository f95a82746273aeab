using System.Globalization;

namespace SupportBot.Dialogs.Prompts.Recognizers;

/// <summary>
/// The first number in an answer: digits with the language's separators ("1,000.5" in en, "1.000,5" or
/// "3,5" in de/ru, spaces as thousands), a sign, or a number word from zero to twenty and the tens.
/// </summary>
public static class NumberRecognizer
{
    private static readonly Dictionary<string, int> Words = new(StringComparer.Ordinal)
    {
        ["zero"] = 0, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7, ["eight"] = 8, ["nine"] = 9, ["ten"] = 10,
        ["eleven"] = 11, ["twelve"] = 12, ["thirteen"] = 13, ["fourteen"] = 14, ["fifteen"] = 15, ["sixteen"] = 16, ["seventeen"] = 17, ["eighteen"] = 18, ["nineteen"] = 19,
        ["twenty"] = 20, ["thirty"] = 30, ["forty"] = 40, ["fifty"] = 50, ["sixty"] = 60, ["seventy"] = 70, ["eighty"] = 80, ["ninety"] = 90, ["hundred"] = 100, ["a dozen"] = 12, ["dozen"] = 12,
        ["ноль"] = 0, ["один"] = 1, ["одна"] = 1, ["одно"] = 1, ["два"] = 2, ["две"] = 2, ["три"] = 3, ["четыре"] = 4, ["пять"] = 5, ["шесть"] = 6, ["семь"] = 7, ["восемь"] = 8,
        ["девять"] = 9, ["десять"] = 10, ["одиннадцать"] = 11, ["двенадцать"] = 12, ["тринадцать"] = 13, ["четырнадцать"] = 14, ["пятнадцать"] = 15,
        ["шестнадцать"] = 16, ["семнадцать"] = 17, ["восемнадцать"] = 18, ["девятнадцать"] = 19, ["двадцать"] = 20, ["тридцать"] = 30, ["сорок"] = 40, ["пятьдесят"] = 50,
        ["шестьдесят"] = 60, ["семьдесят"] = 70, ["восемьдесят"] = 80, ["девяносто"] = 90, ["сто"] = 100,
        ["null"] = 0, ["eins"] = 1, ["ein"] = 1, ["eine"] = 1, ["zwei"] = 2, ["drei"] = 3, ["vier"] = 4, ["fünf"] = 5, ["sechs"] = 6, ["sieben"] = 7, ["acht"] = 8, ["neun"] = 9,
        ["zehn"] = 10, ["elf"] = 11, ["zwölf"] = 12, ["dreizehn"] = 13, ["vierzehn"] = 14, ["fünfzehn"] = 15, ["sechzehn"] = 16, ["siebzehn"] = 17, ["achtzehn"] = 18,
        ["neunzehn"] = 19, ["zwanzig"] = 20, ["dreißig"] = 30, ["vierzig"] = 40, ["fünfzig"] = 50, ["sechzig"] = 60, ["siebzig"] = 70, ["achtzig"] = 80, ["neunzig"] = 90, ["hundert"] = 100,
    };

    public static decimal? Recognize(string text, string language)
    {
        var span = text.AsSpan().Trim();
        for (var i = 0; i < span.Length; i++)
        {
            if (!char.IsAsciiDigit(span[i]))
            {
                continue;
            }

            var negative = i > 0 && (span[i - 1] == '-' || span[i - 1] == '−') && (i == 1 || !char.IsLetterOrDigit(span[i - 2]));
            var end = i;
            while (end < span.Length && (char.IsAsciiDigit(span[end])
                || ((span[end] is '.' or ',') && end + 1 < span.Length && char.IsAsciiDigit(span[end + 1]))
                || (span[end] is ' ' or '\u00A0' or '\u202F' or '\'' && GroupOfThreeFollows(span, end + 1))))
            {
                end++;
            }

            return Parse(span[i..end], language) is { } value ? (negative ? -value : value) : null;
        }

        var normalized = TextNormalizer.Normalize(text);
        if (Words.TryGetValue(normalized, out var word))
        {
            return word;
        }

        var tokens = normalized.Split(' ');
        for (var t = 0; t < tokens.Length; t++)
        {
            var token = tokens[t];
            if (GermanCompound(token) is { } compound)
            {
                return compound;
            }

            if (Words.TryGetValue(token, out word) && (tokens.Length == 1 || token is not ("ein" or "eine" or "one" or "одна" or "одно" or "один")))
            {
                // "twenty five", "двадцать пять": the tens and the unit after them.
                return word is >= 20 and < 100 && word % 10 == 0 && t + 1 < tokens.Length && Words.TryGetValue(tokens[t + 1], out var unit) && unit is >= 1 and <= 9
                    ? word + unit
                    : word;
            }
        }

        return null;
    }

    /// <summary>Only a group of exactly three digits after a space or an apostrophe is a thousands group: "1 000" is 1000, "2 3" is 2.</summary>
    private static bool GroupOfThreeFollows(ReadOnlySpan<char> span, int start) =>
        start + 3 <= span.Length && char.IsAsciiDigit(span[start]) && char.IsAsciiDigit(span[start + 1]) && char.IsAsciiDigit(span[start + 2])
        && (start + 3 == span.Length || !char.IsAsciiDigit(span[start + 3]));

    /// <summary>German writes the unit first, in one word: "fünfundzwanzig" is 25, "einundvierzig" 41.</summary>
    private static int? GermanCompound(string token)
    {
        var and = token.IndexOf("und", 1, StringComparison.Ordinal);
        return and > 0 && Words.TryGetValue(token[..and], out var unit) && unit is >= 1 and <= 9
            && Words.TryGetValue(token[(and + 3)..], out var tens) && tens is >= 20 and < 100 && tens % 10 == 0
            ? tens + unit
            : null;
    }

    private static decimal? Parse(ReadOnlySpan<char> token, string language)
    {
        Span<char> digits = stackalloc char[token.Length];
        var length = 0;
        var dots = 0;
        var commas = 0;
        var lastDot = -1;
        var lastComma = -1;
        foreach (var c in token)
        {
            switch (c)
            {
                case ' ' or '\u00A0' or '\u202F' or '\'':
                    continue;
                case '.':
                    dots++;
                    lastDot = length;
                    break;
                case ',':
                    commas++;
                    lastComma = length;
                    break;
            }

            digits[length++] = c;
        }

        var text = digits[..length];
        char? decimalMark;
        if (dots > 0 && commas > 0)
        {
            decimalMark = lastDot > lastComma ? '.' : ',';
        }
        else if (dots + commas == 0)
        {
            decimalMark = null;
        }
        else
        {
            var mark = dots > 0 ? '.' : ',';
            var count = dots > 0 ? dots : commas;
            var position = dots > 0 ? lastDot : lastComma;
            var thousandsMark = language == "en" ? ',' : '.';
            var groupOfThree = text.Length - position - 1 == 3;
            decimalMark = count > 1 || (mark == thousandsMark && groupOfThree) ? null : mark;
        }

        Span<char> clean = stackalloc char[length];
        var cleanLength = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                clean[cleanLength++] = c;
            }
            else if (c == decimalMark)
            {
                clean[cleanLength++] = '.';
            }
        }

        return decimal.TryParse(clean[..cleanLength], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
