namespace SupportBot.Dialogs.Prompts.Recognizers;

/// <summary>
/// A phone number normalised to E.164 ("+4930123456"): "+" or "00" international; Russian "8 912 …"
/// (11 digits); a national number with a trunk "0" or without it gets <c>defaultCountryCode</c>.
/// </summary>
public static class PhoneRecognizer
{
    /// <summary>The country code a national number gets when the prompt sets none: ru → 7, de → 49, en → none.</summary>
    public static string? CountryCodeFor(string language) => language switch
    {
        "ru" => "7",
        "de" => "49",
        _ => null,
    };

    public static string? Recognize(string text, string? defaultCountryCode)
    {
        var span = text.AsSpan();
        var start = -1;
        for (var i = 0; i < span.Length; i++)
        {
            if (char.IsAsciiDigit(span[i]) || (span[i] == '+' && i + 1 < span.Length && (char.IsAsciiDigit(span[i + 1]) || span[i + 1] == ' ')) || (span[i] == '(' && i + 1 < span.Length && char.IsAsciiDigit(span[i + 1])))
            {
                start = i;
                break;
            }
        }

        if (start < 0)
        {
            return null;
        }

        Span<char> digits = stackalloc char[span.Length];
        var count = 0;
        var plus = false;
        for (var i = start; i < span.Length; i++)
        {
            var c = span[i];
            if (c == '(' && count > 0 && span[(i + 1)..].StartsWith("0)"))
            {
                // "+49 (0)30 …", "+44 (0)20 …": the national trunk 0, written for callers inside the country, is not dialled from abroad.
                i += 2;
            }
            else if (char.IsAsciiDigit(c))
            {
                digits[count++] = c;
            }
            else if (c == '+' && count == 0)
            {
                plus = true;
            }
            else if (c is ' ' or '-' or '(' or ')' or '.' or '/' or '\u00A0' or '\u2011' or '\u2013')
            {
                continue;
            }
            else
            {
                break;
            }
        }

        var number = digits[..count];
        string e164;
        if (plus)
        {
            e164 = "+" + number.ToString();
        }
        else if (number.StartsWith("00"))
        {
            e164 = "+" + number[2..].ToString();
        }
        else if (count == 11 && number[0] == '8' && (defaultCountryCode ?? "7") == "7")
        {
            e164 = "+7" + number[1..].ToString();
        }
        else if (count == 11 && number[0] == '7' && defaultCountryCode == "7")
        {
            e164 = "+" + number.ToString();
        }
        else if (defaultCountryCode is not null && count >= 6)
        {
            e164 = "+" + defaultCountryCode + (number[0] == '0' ? number[1..] : number).ToString();
        }
        else
        {
            return null;
        }

        var digitCount = e164.Length - 1;
        return digitCount is >= 8 and <= 15 && e164[1] != '0' ? e164 : null;
    }
}
