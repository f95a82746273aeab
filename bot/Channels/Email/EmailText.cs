using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace SupportBot.Channels.Email;

/// <summary>
/// What the customer actually wrote in a mail: HTML-only mails turned into text, and the quoted
/// history, the attribution line above it ("On … wrote:", "Am … schrieb …:", "… пишет:"), the
/// forwarded/original-message blocks, "&gt; " lines and the signature taken off. Pure functions.
/// </summary>
internal static partial class EmailText
{
    /// <summary>At most this many links are kept from one mail.</summary>
    public const int MaxLinks = 20;

    /// <summary>Mail clients' containers of the quoted history: Gmail, Thunderbird, Apple Mail, Yahoo, Outlook on the web.</summary>
    private const string QuotedSelectors =
        "blockquote, .gmail_quote, .gmail_extra .gmail_quote, .moz-cite-prefix, .yahoo_quoted, .protonmail_quote, [type=cite], #divRplyFwdMsg, #appendonsend, .OutlookMessageHeader";

    /// <summary>Outlook puts the history after these markers as siblings, not inside them: everything from there on goes.</summary>
    private const string CutFromSelectors = "#divRplyFwdMsg, #appendonsend, #Signature, .gmail_signature, .moz-signature, [data-smartmail=gmail_signature]";

    private static readonly HashSet<string> BlockTags = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "section", "article", "header", "footer", "hr", "pre", "address",
    };

    /// <summary>The body as plain text, preferring the text part; HTML-only mails are converted (without their quoted parts).</summary>
    public static (string Text, IReadOnlyList<string> Links) Body(string? plain, string? html)
    {
        if (!string.IsNullOrWhiteSpace(plain) && !LooksLikeHtmlPlaceholder(plain))
        {
            var text = StripQuoted(plain);
            return (text, FindLinks(text));
        }

        if (!string.IsNullOrWhiteSpace(html))
        {
            var (converted, hrefs) = HtmlToText(html, dropQuoted: true);
            var text = StripQuoted(converted);
            return (text, [.. hrefs.Concat(FindLinks(text)).Distinct(StringComparer.Ordinal).Take(MaxLinks)]);
        }

        return ("", []);
    }

    /// <summary>HTML to readable text: block elements become line breaks, list items get "- ", links are collected (http/https only).</summary>
    public static (string Text, IReadOnlyList<string> Links) HtmlToText(string html, bool dropQuoted)
    {
        var document = new HtmlParser().ParseDocument(html);
        foreach (var element in document.QuerySelectorAll("script, style, head, title, noscript, template").ToList())
        {
            element.Remove();
        }

        if (dropQuoted)
        {
            foreach (var marker in document.QuerySelectorAll(CutFromSelectors).ToList())
            {
                if (marker.Parent is null)
                {
                    continue; // already removed with an earlier marker
                }

                for (var next = marker.NextSibling; next is not null;)
                {
                    var following = next.NextSibling;
                    next.RemoveFromParent();
                    next = following;
                }

                marker.Remove();
            }

            foreach (var quoted in document.QuerySelectorAll(QuotedSelectors).ToList())
            {
                quoted.Remove();
            }
        }

        var links = new List<string>();
        foreach (var anchor in document.QuerySelectorAll("a[href]"))
        {
            var href = anchor.GetAttribute("href")?.Trim();
            if (href is not null && IsWebLink(href) && !links.Contains(href, StringComparer.Ordinal) && links.Count < MaxLinks)
            {
                links.Add(href);
            }
        }

        var builder = new StringBuilder();
        if (document.Body is { } body)
        {
            Render(body, builder);
        }

        return (Tidy(builder.ToString()), links);
    }

    private static void Render(INode node, StringBuilder text)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText t:
                    // HTML collapses white space; line breaks come from the elements.
                    text.Append(Whitespace().Replace(t.Data, " "));
                    break;
                case IElement e when e.LocalName == "br":
                    text.Append('\n');
                    break;
                case IElement e when e.LocalName == "img":
                    if (e.GetAttribute("alt") is { Length: > 0 } alt && alt.Length < 100)
                    {
                        text.Append(alt);
                    }

                    break;
                case IElement e:
                    var block = BlockTags.Contains(e.LocalName);
                    if (block)
                    {
                        LineBreak(text);
                    }

                    if (e.LocalName == "li")
                    {
                        text.Append("- ");
                    }

                    if (e.LocalName is "td" or "th")
                    {
                        text.Append(' ');
                    }

                    Render(e, text);
                    if (block)
                    {
                        LineBreak(text);
                    }

                    break;
            }
        }
    }

    /// <summary>Blocks start and end on their own line; blank lines come only from &lt;br&gt;s, as the reader saw them.</summary>
    private static void LineBreak(StringBuilder text)
    {
        if (text.Length > 0 && text[^1] != '\n')
        {
            text.Append('\n');
        }
    }

    /// <summary>Trims each line, drops runs of blank lines, and the blank lines at both ends.</summary>
    private static string Tidy(string text)
    {
        var lines = text.Replace("\u00a0", " ", StringComparison.Ordinal).Split('\n').Select(l => l.Trim());
        var result = new StringBuilder();
        var blank = 0;
        foreach (var line in lines)
        {
            if (line.Length == 0)
            {
                blank++;
                continue;
            }

            if (result.Length > 0)
            {
                result.Append(blank > 0 ? "\n\n" : "\n");
            }

            result.Append(line);
            blank = 0;
        }

        return result.ToString();
    }

    /// <summary>
    /// The new part of a reply: everything above the first attribution or original-message marker,
    /// without "&gt;" lines (also between interleaved answers) and without the signature. A mail that is
    /// nothing but quotes (a bare forward) keeps its text, so nothing the customer sent is lost.
    /// </summary>
    public static string StripQuoted(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        var end = lines.Length;
        for (var i = 0; i < lines.Length; i++)
        {
            if (StartsHistory(lines, i))
            {
                end = i;
                break;
            }
        }

        var kept = new List<string>(end);
        for (var i = 0; i < end; i++)
        {
            var line = lines[i];
            if (line.TrimStart().StartsWith('>'))
            {
                continue;
            }

            if (IsSignatureStart(lines, i, end))
            {
                break;
            }

            kept.Add(line.TrimEnd());
        }

        var result = Tidy(string.Join('\n', kept));
        return result.Length > 0 ? result : Tidy(text.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    /// <summary>Whether line <paramref name="i"/> begins the quoted or forwarded history.</summary>
    private static bool StartsHistory(string[] lines, int i)
    {
        var line = lines[i].Trim();
        if (line.Length == 0)
        {
            return false;
        }

        if (OriginalMessage().IsMatch(line))
        {
            return true;
        }

        // Attributions, also when the client wrapped them over two lines (Gmail does at ~78 characters).
        var joined = i + 1 < lines.Length ? line + " " + lines[i + 1].Trim() : line;
        if (Attribution().IsMatch(line) || (AttributionStart().IsMatch(line) && !line.EndsWith(':') && Attribution().IsMatch(joined)))
        {
            return true;
        }

        // A line ending in ':' with an address or a date (Yandex, Mail.ru, Gmail in Russian: "12.03.2024, 10:15, "Иван" <ivan@ya.ru>:")
        // that the quoted lines follow.
        if (line.EndsWith(':') && line.Length < 300 && (line.Contains('@') || DateLike().IsMatch(line)) && NextNonBlankIsQuoted(lines, i + 1))
        {
            return true;
        }

        // Outlook's header block: From:/Von:/От: and, within the next lines, Sent:/Date:/Gesendet:/Отправлено: and To:/Subject:.
        if (HeaderFrom().IsMatch(line) || (Underline().IsMatch(line) && i + 1 < lines.Length && HeaderFrom().IsMatch(lines[i + 1].Trim())))
        {
            var window = lines.Skip(i + 1).Take(6).Select(l => l.Trim()).ToList();
            return window.Any(l => HeaderSent().IsMatch(l)) && window.Any(l => HeaderToOrSubject().IsMatch(l));
        }

        return false;
    }

    private static bool NextNonBlankIsQuoted(string[] lines, int from)
    {
        for (var j = from; j < lines.Length && j < from + 3; j++)
        {
            var l = lines[j].Trim();
            if (l.Length > 0)
            {
                return l.StartsWith('>');
            }
        }

        return false;
    }

    /// <summary>"-- " (RFC 3676's delimiter, often trimmed to "--"), or a mobile client's line near the end.</summary>
    private static bool IsSignatureStart(string[] lines, int i, int end)
    {
        var line = lines[i].TrimEnd();
        if (line is "--" or "-- ")
        {
            return true;
        }

        var remaining = lines.Skip(i + 1).Take(end - i - 1).Count(l => l.Trim().Length > 0);
        return remaining <= 2 && MobileSignature().IsMatch(line.Trim());
    }

    /// <summary>http(s) links written in the text (trailing punctuation is not part of them), at most <see cref="MaxLinks"/>.</summary>
    public static IReadOnlyList<string> FindLinks(string text) =>
        [.. UrlInText().Matches(text).Select(m => m.Value.TrimEnd('.', ',', ';', ':', '!', '?', '»', '"', '\'')).Where(IsWebLink).Distinct(StringComparer.Ordinal).Take(MaxLinks)];

    private static bool IsWebLink(string href) =>
        Uri.TryCreate(href, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    /// <summary>"This is an HTML message" text parts: the HTML part has the content.</summary>
    private static bool LooksLikeHtmlPlaceholder(string plain) => plain.Trim().Length < 200 && HtmlPlaceholder().IsMatch(plain);

    /// <summary>Leading "Re:", "AW:", "Fwd:", "Ответ:" and the like (repeated), so a thread's subject compares equal.</summary>
    public static string BaseSubject(string? subject)
    {
        var s = (subject ?? "").Trim();
        while (ReplyPrefix().Match(s) is { Success: true } m)
        {
            s = s[m.Length..].TrimStart();
        }

        return s;
    }

    public static bool HasReplyPrefix(string? subject) => ReplyPrefix().IsMatch((subject ?? "").Trim());

    [GeneratedRegex(@"^-{2,}\s*(original message|ursprüngliche nachricht|originalnachricht|исходное сообщение|пересылаемое сообщение|forwarded message|weitergeleitete nachricht|message d'origine)\s*-{2,}", RegexOptions.IgnoreCase)]
    private static partial Regex OriginalMessage();

    [GeneratedRegex(@"^(>?\s*)(on\s.{1,300}\swrote|am\s.{1,300}\sschrieb.{0,300}|.{1,300}\s(пишет|написал|написала|написал\(а\))|le\s.{1,300}\sa écrit)\s?:$", RegexOptions.IgnoreCase)]
    private static partial Regex Attribution();

    [GeneratedRegex(@"^(on|am|le)\s", RegexOptions.IgnoreCase)]
    private static partial Regex AttributionStart();

    [GeneratedRegex(@"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}:\d{2}|\b(19|20)\d{2}\b")]
    private static partial Regex DateLike();

    [GeneratedRegex(@"^\*?(from|von|от|de)\s?:\*?\s", RegexOptions.IgnoreCase)]
    private static partial Regex HeaderFrom();

    [GeneratedRegex(@"^\*?(sent|date|gesendet|datum|отправлено|дата|envoyé)\s?:", RegexOptions.IgnoreCase)]
    private static partial Regex HeaderSent();

    [GeneratedRegex(@"^\*?(to|an|кому|subject|betreff|тема|à|objet)\s?:", RegexOptions.IgnoreCase)]
    private static partial Regex HeaderToOrSubject();

    [GeneratedRegex(@"^_{10,}$")]
    private static partial Regex Underline();

    [GeneratedRegex(@"^(sent from my|sent from (yahoo|mail for windows|outlook)|get outlook for|von meinem .{1,40} gesendet|gesendet von|отправлено (с|из)|отправлено с моего|sent via)\b", RegexOptions.IgnoreCase)]
    private static partial Regex MobileSignature();

    [GeneratedRegex(@"https?://[^\s<>""'()\[\]{}]+", RegexOptions.IgnoreCase)]
    private static partial Regex UrlInText();

    [GeneratedRegex(@"html|view (this|it) in (a|your) browser", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlPlaceholder();

    [GeneratedRegex(@"^(re|aw|antw|antwort|sv|vs|fw|fwd|wg|tr|ответ|отв|пересл)(\[\d+\])?\s*:\s*", RegexOptions.IgnoreCase)]
    private static partial Regex ReplyPrefix();

    [GeneratedRegex(@"[ \t\r\n\f]+")]
    private static partial Regex Whitespace();
}
