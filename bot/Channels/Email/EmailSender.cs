using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;
using SupportBot.Contracts;
using SupportBot.Pipeline.Outbox;

namespace SupportBot.Channels.Email;

/// <summary>
/// Answers a mail by SMTP, from the mailbox it came to: "Re: &lt;subject&gt;", In-Reply-To the
/// customer's Message-ID and References the thread's chain, so the answer sits in the customer's
/// thread. Text with an HTML alternative; choices as a numbered list (the customer answers with the
/// number). Our Message-ID is derived from the outbox item, returned as the channel message id (the
/// record's reply evidence) and mapped to the conversation, so the customer's next reply finds it.
/// </summary>
internal sealed class EmailSender(EmailStore store, EmailSmtp smtp, IOptions<EmailOptions> options, TimeProvider time, ILogger<EmailSender> logger) : IChannelSender
{
    public async Task<ChannelSendResult> SendAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        if (EmailIntake.IsNotifications(item.ConversationId))
        {
            throw new ChannelSendException("Social-network notification mails are recorded, not answered: answer on the network (the record's link).", permanent: true);
        }

        var thread = await store.ThreadAsync(item.ConversationId, item.InReplyToEventId)
            ?? throw new ChannelSendException($"No e-mail thread is known for '{item.ConversationId}' (expired, or not an e-mail conversation).", permanent: true);
        var mailbox = options.Value.Find(thread.Mailbox) ?? (item.ChannelAccount is { } account ? options.Value.Find(account) : null)
            ?? throw new ChannelSendException($"No mailbox named '{thread.Mailbox}' is configured under Channels:Email:Mailboxes.", permanent: true);
        if (await store.SentAsync(item.Id) is { } sentBefore)
        {
            return new ChannelSendResult(sentBefore); // went out before a crash kept it in the outbox: never mail twice
        }

        // Two robots that each answer every mail would write to each other for ever; people rarely need more.
        if (item.Author == "bot" && !await store.TryCountBotReplyAsync(thread.To, item.Id, options.Value.MaxBotRepliesPerAddressPerHour, time.GetUtcNow()))
        {
            EmailLog.ReplyCapped(logger, mailbox.Name, item.ConversationId);
            throw new ChannelSendException(
                $"Not sent: this address already had {options.Value.MaxBotRepliesPerAddressPerHour} answers from the bot in the last hour (Channels:Email:MaxBotRepliesPerAddressPerHour); an agent can still answer.",
                permanent: true);
        }

        // One mail per turn: the bot's greeting and answer to one mail go out together; the later items of the
        // turn then find this Message-ID as already sent and mail nothing more.
        var later = await store.LaterRepliesOfTurnAsync(item);
        var whole = later.Count == 0 ? item : item with { Message = Combine([item.Message, .. later.Select(l => l.Message)]) };
        EmailLog.Sending(logger, mailbox.Name, item.ConversationId, whole.Message.Text);
        var message = Compose(mailbox, thread, whole, time.GetUtcNow());
        var messageId = message.MessageId!;
        await store.MapMessageAsync(mailbox.Name, messageId, item.ConversationId);
        await smtp.SendAsync(mailbox, message, cancellationToken);
        foreach (var sent in later.Prepend(item))
        {
            await store.MarkSentAsync(sent.Id, messageId);
        }

        return new ChannelSendResult(messageId);
    }

    internal static MimeMessage Compose(EmailMailboxOptions mailbox, EmailThread thread, OutboxItem item, DateTimeOffset now)
    {
        var fromName = item.Author == "bot" || string.IsNullOrEmpty(item.AuthorName)
            ? mailbox.DisplayName ?? ""
            : string.IsNullOrEmpty(mailbox.DisplayName) ? item.AuthorName : $"{item.AuthorName} ({mailbox.DisplayName})";
        var message = new MimeMessage
        {
            Subject = "Re: " + EmailText.BaseSubject(thread.Subject),
            Date = now,
            MessageId = MessageIdFor(item.Id, mailbox),
            InReplyTo = thread.InReplyTo,
        };
        message.From.Add(new MailboxAddress(fromName, mailbox.Address.Trim()));
        message.To.Add(new MailboxAddress(thread.Name ?? "", thread.To));
        foreach (var reference in thread.References)
        {
            message.References.Add(reference);
        }

        if (item.Author == "bot")
        {
            // RFC 3834: an automatic answer; vacation responders must not answer it (no loops), and Exchange is asked not to.
            message.Headers.Add("Auto-Submitted", "auto-replied");
            message.Headers.Add("X-Auto-Response-Suppress", "All");
        }

        var body = new BodyBuilder { TextBody = PlainText(item.Message, item.Language), HtmlBody = Html(item.Message, item.Language) };
        message.Body = body.ToMessageBody();
        return message;
    }

    /// <summary>Texts as paragraphs of one mail; the choices of the last message that has any (a prompt comes last).</summary>
    internal static OutgoingMessage Combine(IReadOnlyList<OutgoingMessage> messages) =>
        new(string.Join("\n\n", messages.Select(m => m.Text).Where(t => !string.IsNullOrWhiteSpace(t))), messages.LastOrDefault(m => m.Choices is { Count: > 0 })?.Choices);

    /// <summary>The same item always gets the same Message-ID, at the mailbox's own domain.</summary>
    internal static string MessageIdFor(string itemId, EmailMailboxOptions mailbox)
    {
        var address = mailbox.Address.Trim();
        var domain = address[(address.LastIndexOf('@') + 1)..];
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(itemId)).AsSpan(0, 12));
        return $"{hash}.{mailbox.Name.ToLowerInvariant()}@{domain}";
    }

    /// <summary>The text, and the choices as "1. …" lines with a line saying to answer with the number (unless the text lists them already).</summary>
    internal static string PlainText(OutgoingMessage message, string? language)
    {
        if (Choices(message) is not { } choices)
        {
            return message.Text;
        }

        var list = string.Join('\n', choices.Select((c, i) => $"{i + 1}. {c.Title}"));
        return $"{message.Text}\n\n{list}\n\n{Hint(language)}";
    }

    internal static string Html(OutgoingMessage message, string? language)
    {
        var html = new StringBuilder("<div style=\"font-family:sans-serif;font-size:14px\">");
        foreach (var paragraph in message.Text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n"))
        {
            html.Append("<p>").Append(WebUtility.HtmlEncode(paragraph).Replace("\n", "<br>", StringComparison.Ordinal)).Append("</p>");
        }

        if (Choices(message) is { } choices)
        {
            html.Append("<ol>");
            foreach (var choice in choices)
            {
                html.Append("<li>").Append(WebUtility.HtmlEncode(choice.Title)).Append("</li>");
            }

            html.Append("</ol><p>").Append(WebUtility.HtmlEncode(Hint(language))).Append("</p>");
        }

        return html.Append("</div>").ToString();
    }

    /// <summary>Choices to list under the text: none when the prompt already wrote them as a numbered list (its List style).</summary>
    private static IReadOnlyList<SuggestedChoice>? Choices(OutgoingMessage message)
    {
        if (message.Choices is not { Count: > 0 } choices)
        {
            return null;
        }

        var listed = message.Text.Contains($"\n1. {choices[0].Title}", StringComparison.Ordinal);
        return listed ? null : choices;
    }

    private static string Hint(string? language) => language switch
    {
        "ru" => "Ответьте на это письмо номером варианта.",
        "de" => "Antworten Sie auf diese E-Mail mit der Nummer Ihrer Wahl.",
        _ => "Reply to this e-mail with the number of your choice.",
    };
}
