using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using SupportBot.Contracts;

namespace SupportBot.Channels.Email;

/// <summary>What to do with a mail.</summary>
internal enum EmailRoute
{
    /// <summary>A customer's mail: a turn, answered by the bot or an agent.</summary>
    Converse,

    /// <summary>A record on the interest log only, never answered (social-network notifications, auto-replies).</summary>
    RecordOnly,

    /// <summary>Nothing for the log (bounces, mailing lists, our own mail).</summary>
    Skip,
}

/// <summary>A mail as the e-mail channel needs it, read from the MIME message.</summary>
/// <param name="MessageId">The Message-ID without angle brackets (a stable hash of the mail when it has none): the event id.</param>
/// <param name="Parents">In-Reply-To, then References newest first: the mails this one answers, to find its conversation.</param>
/// <param name="References">The References chain as the mail carries it (oldest first), for our answer's References.</param>
/// <param name="ReplyTo">Where an answer goes: Reply-To, else From.</param>
/// <param name="Automated">auto-reply, bounce or bulk, when the mail was not written by a person for us.</param>
internal sealed record EmailInbound(
    EmailRoute Route,
    string MessageId,
    string? FromAddress,
    string? FromName,
    string? ReplyTo,
    string Subject,
    string Text,
    IReadOnlyList<string> Links,
    IReadOnlyList<string> Parents,
    IReadOnlyList<string> References,
    IReadOnlyList<ActivityAttachment> Attachments,
    string? Locale,
    DateTimeOffset Date,
    SocialNotification? Notification = null,
    string? Automated = null,
    string? SkipReason = null);

/// <summary>Reads a <see cref="MimeMessage"/> into an <see cref="EmailInbound"/>: routes it, takes its body apart and finds its thread. Pure.</summary>
internal static partial class EmailNormalizer
{
    /// <summary>The longest text kept for a record and a turn; the rest of a very long mail stays in the mailbox.</summary>
    public const int MaxTextLength = 20_000;

    /// <param name="ownAddresses">Our mailboxes' addresses: mail from them is never answered (no loops between two of our mailboxes).</param>
    public static EmailInbound Read(MimeMessage message, IReadOnlyCollection<string> ownAddresses)
    {
        var from = message.From.Mailboxes.FirstOrDefault();
        var fromAddress = from?.Address?.Trim().ToLowerInvariant();
        var replyTo = message.ReplyTo.Mailboxes.FirstOrDefault()?.Address?.Trim().ToLowerInvariant() ?? fromAddress;
        var subject = (message.Subject ?? "").Trim();
        var messageId = MessageIdOf(message);
        var parents = new List<string>();
        if (Clean(message.InReplyTo) is { } inReplyTo)
        {
            parents.Add(inReplyTo);
        }

        var references = message.References.Select(Clean).OfType<string>().ToList();
        parents.AddRange(Enumerable.Reverse(references).Where(r => !parents.Contains(r, StringComparer.Ordinal)));

        var (text, links) = EmailText.Body(message.TextBody, message.HtmlBody);
        if (text.Length > MaxTextLength)
        {
            text = text[..MaxTextLength];
        }

        var attachments = message.Attachments
            .Select(a => new ActivityAttachment(a.ContentType.MimeType, Name: a is MimePart part ? part.FileName : a.ContentType.Name))
            .Take(20)
            .ToList();
        var locale = message.Headers[HeaderId.ContentLanguage]?.Split(',')[0].Trim() is { Length: > 0 and < 36 } language ? language : null;
        var date = message.Date == DateTimeOffset.MinValue ? DateTimeOffset.UtcNow : message.Date;
        var inbound = new EmailInbound(EmailRoute.Converse, messageId, fromAddress, Clean(from?.Name), replyTo, subject, text, links,
            parents, references, attachments, locale, date);

        if (fromAddress is null)
        {
            return inbound with { Route = EmailRoute.Skip, SkipReason = "no sender address" };
        }

        if (ownAddresses.Contains(fromAddress, StringComparer.OrdinalIgnoreCase))
        {
            return inbound with { Route = EmailRoute.Skip, SkipReason = "sent by one of our own mailboxes" };
        }

        if (IsBounce(message, fromAddress))
        {
            return inbound with { Route = EmailRoute.Skip, Automated = "bounce", SkipReason = "delivery report (bounce)" };
        }

        // Before the bulk check: notification mails are bulk mail too, but they are what we want from it.
        if (SocialNotifications.Recognize(fromAddress, from?.Name, subject, text, NotificationLinks(message, links)) is { } notification)
        {
            return inbound with { Route = EmailRoute.RecordOnly, Notification = notification, Text = NotificationText(subject, text) };
        }

        if (IsAutoReply(message, subject))
        {
            return inbound with { Route = EmailRoute.RecordOnly, Automated = "auto-reply" };
        }

        if (IsBulk(message))
        {
            return inbound with { Route = EmailRoute.Skip, Automated = "bulk", SkipReason = "mailing list or bulk mail" };
        }

        return inbound;
    }

    /// <summary>The Message-ID without brackets; a mail without one gets a stable id from its sender, date, subject and body.</summary>
    public static string MessageIdOf(MimeMessage message)
    {
        if (Clean(message.MessageId) is { } id)
        {
            return id.Length <= 200 ? id : "sha256:" + Hash(id);
        }

        var basis = string.Join('\n', message.From.ToString(), message.Date.ToUnixTimeSeconds(), message.Subject ?? "", message.TextBody ?? message.HtmlBody ?? "");
        return "sha256:" + Hash(basis);
    }

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..40];

    private static string? Clean(string? value)
    {
        var v = value?.Trim().Trim('<', '>').Trim();
        return string.IsNullOrEmpty(v) ? null : v;
    }

    /// <summary>Delivery status notifications: from the mailer daemon, a multipart/report, or naming failed recipients.</summary>
    private static bool IsBounce(MimeMessage message, string fromAddress)
    {
        var local = fromAddress[..Math.Max(0, fromAddress.IndexOf('@'))];
        return local is "mailer-daemon" or "postmaster" or "mail-daemon"
            || message.Body is MultipartReport
            || message.Body is Multipart { ContentType.MediaSubtype: "report" }
            || message.Headers.Contains("X-Failed-Recipients");
    }

    /// <summary>RFC 3834's Auto-Submitted, the older vendor headers, and the subjects vacation responders use.</summary>
    private static bool IsAutoReply(MimeMessage message, string subject)
    {
        var autoSubmitted = message.Headers["Auto-Submitted"]?.Trim();
        if (!string.IsNullOrEmpty(autoSubmitted) && !autoSubmitted.StartsWith("no", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var precedence = message.Headers["Precedence"]?.Trim().ToLowerInvariant();
        return precedence is "auto_reply" or "auto-reply"
            || message.Headers.Contains("X-Autoreply") || message.Headers.Contains("X-Autorespond") || message.Headers.Contains("X-Autogenerated")
            || AutoReplySubject().IsMatch(subject);
    }

    private static bool IsBulk(MimeMessage message)
    {
        var precedence = message.Headers["Precedence"]?.Trim().ToLowerInvariant();
        return precedence is "bulk" or "junk" or "list" || message.Headers.Contains("List-Id") || message.Headers.Contains("List-Unsubscribe");
    }

    /// <summary>Notifications keep their links in the HTML part even when a text part exists.</summary>
    private static IReadOnlyList<string> NotificationLinks(MimeMessage message, IReadOnlyList<string> links)
    {
        if (message.HtmlBody is not { Length: > 0 } html)
        {
            return links;
        }

        var (_, hrefs) = EmailText.HtmlToText(html, dropQuoted: false);
        return [.. links.Concat(hrefs).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The subject and what the mail says, without the footer (unsubscribe, "this mail was sent to").</summary>
    private static string NotificationText(string subject, string text)
    {
        var footer = NotificationFooter().Match(text);
        var body = (footer.Success ? text[..footer.Index] : text).Trim();
        if (body.Length > 1000)
        {
            body = body[..1000] + "…";
        }

        return body.Length == 0 ? subject : subject + "\n\n" + body;
    }

    [GeneratedRegex(@"^(auto(matic)?[ -]?(reply|response|antwort)|autoreply|auto:|out of (the )?office|abwesenheitsnotiz|automatische antwort|автоответ|автоматический ответ|вне офиса|absence|réponse automatique)", RegexOptions.IgnoreCase)]
    private static partial Regex AutoReplySubject();

    [GeneratedRegex(@"(unsubscribe|this (e-?mail|message) was sent to|to stop receiving|отписаться|это письмо (было )?отправлено|чтобы не получать|abmelden|diese (e-mail|nachricht) wurde an)", RegexOptions.IgnoreCase)]
    private static partial Regex NotificationFooter();
}
