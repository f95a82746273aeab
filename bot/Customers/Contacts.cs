using System.Net.Mail;
using System.Text;

namespace SupportBot.Customers;

/// <summary>E-mail addresses and phone numbers in the one form customers are linked by.</summary>
public static partial class Contacts
{
    public const int MaxEmailLength = 254;

    /// <summary>Lower case, trimmed; null when it is not an address.</summary>
    public static string? NormalizeEmail(string? text)
    {
        var value = text?.Trim();
        if (string.IsNullOrEmpty(value) || value.Length > MaxEmailLength || value.Contains(' ', StringComparison.Ordinal) || value.IndexOf('@', StringComparison.Ordinal) <= 0)
        {
            return null;
        }

        return MailAddress.TryCreate(value, out var address) && address.Address == value && address.Host.Contains('.', StringComparison.Ordinal)
            ? value.ToLowerInvariant()
            : null;
    }

    /// <summary>
    /// How to reach someone at a contact they gave: <c>mailto:</c> an e-mail address, <c>tel:</c> a phone number; null
    /// for anything else (nothing the customer typed becomes another kind of link).
    /// </summary>
    public static string? ReplyLink(string? contact) =>
        NormalizeEmail(contact) is { } email ? (PlainAddress().IsMatch(email) ? "mailto:" + email : null)
        : NormalizePhone(contact) is { } phone ? "tel:" + phone
        : null;

    // What a mailto: link may carry as it is: no "?" (it would start a subject or body), no "%", quotes or brackets.
    [System.Text.RegularExpressions.GeneratedRegex(@"^[\p{L}\p{N}.!#$&'*+/=^_`{|}~-]+@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+$")]
    private static partial System.Text.RegularExpressions.Regex PlainAddress();

    /// <summary>Digits with a leading <c>+</c> (<c>+7 (999) 123-45-67</c> → <c>+79991234567</c>); null when it is not a phone number.</summary>
    public static string? NormalizePhone(string? text)
    {
        var value = text?.Trim();
        if (string.IsNullOrEmpty(value) || value.Length > 40)
        {
            return null;
        }

        var digits = new StringBuilder(16);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsAsciiDigit(c))
            {
                digits.Append(c);
            }
            else if (c == '+' && i == 0)
            {
                continue;
            }
            else if (c is not (' ' or '-' or '(' or ')' or '.'))
            {
                return null;
            }
        }

        return digits.Length is >= 5 and <= 15 ? "+" + digits : null;
    }
}
