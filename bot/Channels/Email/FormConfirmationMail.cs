using System.Net;
using System.Text.RegularExpressions;
using SupportBot.Dialogs.Content;

namespace SupportBot.Channels.Email;

/// <summary>The confirmation mail to a web form's author, in their language, from the lines in <c>content/messages.yaml</c>.</summary>
internal static partial class FormConfirmationMail
{
    // For a content folder that predates these lines: never an empty mail.
    private const string DefaultSubject = "We received your message";
    private const string DefaultText = "Thank you[, {name}]. We received your message[ about {product}] and will get back to you soon.";

    public static EmailNotification Compose(string to, string? name, string? product, string? language, BotMessages messages)
    {
        var lang = language ?? "en";
        var text = Fill(Line(messages.FormConfirmation, lang, DefaultText), new Dictionary<string, string?> { ["name"] = name, ["product"] = product });
        // The name and product are the customer's own words: the HTML part gets them escaped, like every other character.
        return new EmailNotification(to, Line(messages.FormConfirmationSubject, lang, DefaultSubject), text, name, "<p>" + WebUtility.HtmlEncode(text) + "</p>");
    }

    /// <summary>Puts the values in for <c>{placeholder}</c>s; a <c>[bracketed part]</c> is left out when a placeholder in it has no value.</summary>
    internal static string Fill(string template, IReadOnlyDictionary<string, string?> values)
    {
        string? Value(Match placeholder) => values.GetValueOrDefault(placeholder.Groups[1].Value) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        var kept = Optional().Replace(template, part => Placeholder().Matches(part.Groups[1].Value).All(p => Value(p) is not null) ? part.Groups[1].Value : "");
        return Placeholder().Replace(kept, p => Value(p) ?? ""); // one pass: a value that looks like a placeholder stays as it is
    }

    private static string Line(Dictionary<string, string> lines, string language, string fallback) =>
        BotMessages.Pick(lines, language) is { Length: > 0 } line ? line : fallback;

    [GeneratedRegex(@"\[([^\[\]]*)\]")]
    private static partial Regex Optional();

    [GeneratedRegex(@"\{([a-z]+)\}")]
    private static partial Regex Placeholder();
}
