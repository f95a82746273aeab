using Microsoft.Extensions.Options;
using MimeKit;

namespace SupportBot.Channels.Email;

/// <summary>One mail to someone, outside any conversation (e.g. "we received your request").</summary>
/// <param name="Html">An HTML alternative; the text alone when null.</param>
public sealed record EmailNotification(string To, string Subject, string Text, string? ToName = null, string? Html = null);

/// <summary>
/// Sends a single notification mail from the first configured mailbox, for features such as the
/// web-form intake's confirmation. Marked as automatic (Auto-Submitted: auto-generated), so
/// vacation responders do not answer it.
/// </summary>
public interface IEmailNotifier
{
    /// <summary>False when no mailbox is configured: callers skip their mail instead of failing.</summary>
    bool IsConfigured { get; }

    /// <returns>The Message-ID the mail went out with.</returns>
    /// <exception cref="InvalidOperationException">No mailbox is configured.</exception>
    /// <exception cref="ArgumentException">The address is not an e-mail address.</exception>
    /// <exception cref="SupportBot.Channels.ChannelSendException">The SMTP server refused it (<c>Permanent</c>) or could not be reached.</exception>
    Task<string> SendAsync(EmailNotification notification, CancellationToken cancellationToken);
}

internal sealed class EmailNotifier(EmailSmtp smtp, IOptions<EmailOptions> options, TimeProvider time) : IEmailNotifier
{
    public bool IsConfigured => options.Value.Mailboxes.Count > 0;

    public async Task<string> SendAsync(EmailNotification notification, CancellationToken cancellationToken)
    {
        var mailbox = options.Value.Mailboxes.FirstOrDefault()
            ?? throw new InvalidOperationException("No mailbox is configured under Channels:Email:Mailboxes; nothing can be mailed.");
        if (Customers.Contacts.NormalizeEmail(notification.To) is not { } to)
        {
            throw new ArgumentException($"'{notification.To}' is not an e-mail address.", nameof(notification));
        }

        var address = mailbox.Address.Trim();
        var message = new MimeMessage
        {
            Subject = notification.Subject,
            Date = time.GetUtcNow(),
            MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(address[(address.LastIndexOf('@') + 1)..]),
        };
        message.From.Add(new MailboxAddress(mailbox.DisplayName ?? "", address));
        message.To.Add(new MailboxAddress(notification.ToName ?? "", to));
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new BodyBuilder { TextBody = notification.Text, HtmlBody = notification.Html }.ToMessageBody();
        await smtp.SendAsync(mailbox, message, cancellationToken);
        return message.MessageId;
    }
}
