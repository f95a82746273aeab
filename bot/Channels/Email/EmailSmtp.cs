using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace SupportBot.Channels.Email;

/// <summary>
/// Hands one message to a mailbox's SMTP server, one connection per message (support mail is
/// rare enough, and no idle connection can go stale). Failures come back as
/// <see cref="ChannelSendException"/>: a 4xx answer or a connection problem is worth retrying, a
/// 5xx answer or a refused login is not.
/// </summary>
internal sealed partial class EmailSmtp(IOptions<EmailOptions> options, ILogger<EmailSmtp> logger)
{
    public async Task SendAsync(EmailMailboxOptions mailbox, MimeMessage message, CancellationToken cancellationToken)
    {
        using var client = new SmtpClient { Timeout = options.Value.TimeoutSeconds * 1000 };
        try
        {
            await client.ConnectAsync(mailbox.Smtp.Host.Trim(), MailSecurity.SmtpPort(mailbox.Smtp), MailSecurity.Parse(mailbox.Smtp.Security), cancellationToken);
            var password = MailSecurity.SmtpPassword(mailbox);
            if (client.Capabilities.HasFlag(SmtpCapabilities.Authentication) && !string.IsNullOrEmpty(password))
            {
                await client.AuthenticateAsync(MailSecurity.SmtpUser(mailbox), password, cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
        }
        catch (SmtpCommandException e)
        {
            var code = (int)e.StatusCode;
            var transient = code is >= 400 and < 500;
            EmailLog.SendRefused(logger, mailbox.Name, code, transient ? "will retry" : "not retried");
            throw new ChannelSendException($"SMTP server {mailbox.Smtp.Host} answered {code}: {Redact(e.Message)}", permanent: !transient, inner: e);
        }
        catch (AuthenticationException e)
        {
            throw new ChannelSendException($"SMTP login to {mailbox.Smtp.Host} as {MailSecurity.SmtpUser(mailbox)} refused: {e.Message} (check Channels:Email Smtp:User and Smtp:Password)", permanent: true, inner: e);
        }
        catch (Exception e) when (e is SmtpProtocolException or IOException or SocketException or SslHandshakeException or TimeoutException or ServiceNotConnectedException or ServiceNotAuthenticatedException)
        {
            throw new ChannelSendException($"SMTP server {mailbox.Smtp.Host} unreachable: {e.Message}", permanent: false, inner: e);
        }

        try
        {
            await client.DisconnectAsync(true, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The message was accepted; a failed QUIT must not make us send it again.
        }
    }

    /// <summary>Servers name the refused recipient in their answer; the reason goes to logs and dead letters, the address does not.</summary>
    internal static string Redact(string serverText) => Address().Replace(serverText, "<address>");

    [System.Text.RegularExpressions.GeneratedRegex(@"[^\s<>""']+@[^\s<>""']+")]
    private static partial System.Text.RegularExpressions.Regex Address();
}
