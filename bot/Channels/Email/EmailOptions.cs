using System.Text.RegularExpressions;
using MailKit.Security;
using Microsoft.Extensions.Options;

namespace SupportBot.Channels.Email;

/// <summary><c>Channels:Email:*</c> — mailboxes the bot reads by IMAP and answers from by SMTP (several side by side).</summary>
public sealed class EmailOptions
{
    public const string Section = "Channels:Email";

    public List<EmailMailboxOptions> Mailboxes { get; set; } = [];

    /// <summary>How long one instance holds a mailbox before it must renew; another instance takes over after a crash.</summary>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>A first start (or a renumbered folder) reads the unread mails of this many past days; older ones are left alone.</summary>
    public int FirstSyncDays { get; set; } = 7;

    /// <summary>Mails larger than this are recorded from their headers only (subject, sender), not downloaded whole.</summary>
    public int MaxMessageBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Seconds a connection attempt or a command may take before it counts as failed.</summary>
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// A mail whose reading fails this many times (not for the connection: for the mail) is set aside with a warning
    /// naming its UID, so the mails behind it are read; it stays in the folder for people.
    /// </summary>
    public int MaxAttemptsPerMail { get; set; } = 5;

    /// <summary>
    /// The bot answers one address at most this often per hour (agents are not limited): two robots that answer
    /// every mail (a helpdesk without RFC 3834 headers) stop after this many instead of writing to each other for ever.
    /// </summary>
    public int MaxBotRepliesPerAddressPerHour { get; set; } = 10;

    /// <summary>The confirmation mails to the authors of web forms (<c>Intake:Sites:&lt;i&gt;:ConfirmationEmail</c>).</summary>
    public EmailConfirmationOptions Confirmations { get; set; } = new();

    public EmailMailboxOptions? Find(string name) =>
        Mailboxes.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary><c>Channels:Email:Mailboxes:&lt;i&gt;</c> — one address: where its mail is read and how answers leave.</summary>
public sealed class EmailMailboxOptions
{
    /// <summary>Our name for it: in conversation ids and on records (letters, digits, <c>-</c>, <c>_</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>The address customers write to; answers go out from it.</summary>
    public string Address { get; set; } = "";

    /// <summary>The name customers see beside the address (e.g. "Northwind Support").</summary>
    public string? DisplayName { get; set; }

    public EmailImapOptions Imap { get; set; } = new();

    public EmailSmtpOptions Smtp { get; set; } = new();

    /// <summary>How often the folder is checked when the server has no IMAP IDLE (with IDLE new mail arrives at once).</summary>
    public int PollSeconds { get; set; } = 60;
}

/// <summary><c>Channels:Email:Confirmations:*</c> — how a confirmation mail the SMTP server could not take now is tried again.</summary>
public sealed class EmailConfirmationOptions
{
    /// <summary>Tries before a confirmation is given up (a confirmation hours late is no longer worth much).</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait after the first failed try; doubles with each further one (±20 %), up to <see cref="MaxRetrySeconds"/>.</summary>
    public double FirstRetrySeconds { get; set; } = 30;

    public double MaxRetrySeconds { get; set; } = 3600;
}

public sealed class EmailImapOptions
{
    public string Host { get; set; } = "";

    /// <summary>0: the usual port for <see cref="Security"/> (993 for ssl, else 143).</summary>
    public int Port { get; set; }

    /// <summary><c>ssl</c> (TLS from the start), <c>starttls</c>, or <c>none</c> (only on a trusted network).</summary>
    public string Security { get; set; } = "ssl";

    /// <summary>The login; the mailbox address when empty.</summary>
    public string? User { get; set; }

    /// <summary>Set it in the environment (an app password with Gmail, Outlook, Yandex, Mail.ru).</summary>
    public string Password { get; set; } = "";

    /// <summary>The folder read; INBOX when empty.</summary>
    public string? Folder { get; set; }
}

public sealed class EmailSmtpOptions
{
    public string Host { get; set; } = "";

    /// <summary>0: the usual port for <see cref="Security"/> (465 for ssl, else 587).</summary>
    public int Port { get; set; }

    /// <summary><c>ssl</c>, <c>starttls</c> (the usual one, on 587) or <c>none</c>.</summary>
    public string Security { get; set; } = "starttls";

    /// <summary>The login; the IMAP user, then the mailbox address, when empty.</summary>
    public string? User { get; set; }

    /// <summary>The IMAP password when empty (most providers use one password for both).</summary>
    public string? Password { get; set; }
}

/// <summary>The parsed form of the security words, shared by the IMAP reader and the SMTP sender.</summary>
internal static class MailSecurity
{
    public static readonly string[] Words = ["none", "starttls", "ssl"];

    public static bool IsValid(string? word) => Words.Contains(word?.ToLowerInvariant());

    public static SecureSocketOptions Parse(string word) => word.ToLowerInvariant() switch
    {
        "ssl" => SecureSocketOptions.SslOnConnect,
        "starttls" => SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.None,
    };

    public static int ImapPort(EmailImapOptions imap) => imap.Port > 0 ? imap.Port : Parse(imap.Security) == SecureSocketOptions.SslOnConnect ? 993 : 143;

    public static int SmtpPort(EmailSmtpOptions smtp) => smtp.Port > 0 ? smtp.Port : Parse(smtp.Security) == SecureSocketOptions.SslOnConnect ? 465 : 587;

    public static string ImapUser(EmailMailboxOptions mailbox) => string.IsNullOrWhiteSpace(mailbox.Imap.User) ? mailbox.Address : mailbox.Imap.User;

    public static string SmtpUser(EmailMailboxOptions mailbox) =>
        !string.IsNullOrWhiteSpace(mailbox.Smtp.User) ? mailbox.Smtp.User : ImapUser(mailbox);

    public static string SmtpPassword(EmailMailboxOptions mailbox) =>
        !string.IsNullOrEmpty(mailbox.Smtp.Password) ? mailbox.Smtp.Password : mailbox.Imap.Password;
}

internal sealed partial class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var errors = new List<string>();
        const string root = EmailOptions.Section;
        if (options.LeaseSeconds is < 10 or > 3600)
        {
            errors.Add($"{root}:LeaseSeconds must be between 10 and 3600.");
        }

        if (options.FirstSyncDays is < 0 or > 365)
        {
            errors.Add($"{root}:FirstSyncDays must be between 0 and 365.");
        }

        if (options.MaxMessageBytes is < 64 * 1024 or > 200 * 1024 * 1024)
        {
            errors.Add($"{root}:MaxMessageBytes must be between 65536 and 209715200.");
        }

        if (options.TimeoutSeconds is < 5 or > 600)
        {
            errors.Add($"{root}:TimeoutSeconds must be between 5 and 600.");
        }

        if (options.MaxAttemptsPerMail is < 1 or > 100)
        {
            errors.Add($"{root}:MaxAttemptsPerMail must be between 1 and 100 (default 5).");
        }

        if (options.MaxBotRepliesPerAddressPerHour is < 1 or > 1000)
        {
            errors.Add($"{root}:MaxBotRepliesPerAddressPerHour must be between 1 and 1000 (default 10).");
        }

        var confirmations = options.Confirmations;
        if (confirmations.MaxAttempts is < 1 or > 100)
        {
            errors.Add($"{root}:Confirmations:MaxAttempts must be between 1 and 100 (default 8).");
        }

        if (confirmations.FirstRetrySeconds is < 0.01 or > 86_400)
        {
            errors.Add($"{root}:Confirmations:FirstRetrySeconds must be between 0.01 and 86400 (default 30).");
        }

        if (confirmations.MaxRetrySeconds < confirmations.FirstRetrySeconds || confirmations.MaxRetrySeconds > 86_400)
        {
            errors.Add($"{root}:Confirmations:MaxRetrySeconds must be at least FirstRetrySeconds and at most 86400 (default 3600).");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var addresses = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Mailboxes.Count; i++)
        {
            var m = options.Mailboxes[i];
            var path = $"{root}:Mailboxes:{i}";
            if (!NamePattern().IsMatch(m.Name ?? ""))
            {
                errors.Add($"{path}:Name must be 1–40 letters, digits, '-' or '_' (it goes into conversation ids).");
            }
            else if (!names.Add(m.Name!))
            {
                errors.Add($"{path}:Name '{m.Name}' is used by another mailbox; names must be unique.");
            }

            if (Customers.Contacts.NormalizeEmail(m.Address) is not { } address)
            {
                errors.Add($"{path}:Address must be the mailbox's e-mail address, like support@example.com.");
            }
            else if (!addresses.Add(address))
            {
                errors.Add($"{path}:Address '{m.Address}' is read by another mailbox; each address once.");
            }

            if (m.PollSeconds is < 5 or > 3600)
            {
                errors.Add($"{path}:PollSeconds must be between 5 and 3600.");
            }

            CheckServer(errors, $"{path}:Imap", m.Imap.Host, m.Imap.Port, m.Imap.Security);
            if (string.IsNullOrEmpty(m.Imap.Password))
            {
                errors.Add($"{path}:Imap:Password is required (set it in the environment: Channels__Email__Mailboxes__{i}__Imap__Password; an app password with Gmail, Outlook, Yandex or Mail.ru).");
            }

            CheckServer(errors, $"{path}:Smtp", m.Smtp.Host, m.Smtp.Port, m.Smtp.Security);
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }

    private static void CheckServer(List<string> errors, string path, string host, int port, string security)
    {
        if (string.IsNullOrWhiteSpace(host) || Uri.CheckHostName(host.Trim()) == UriHostNameType.Unknown)
        {
            errors.Add($"{path}:Host is required: the server's host name, like imap.example.com or smtp.example.com.");
        }

        if (port is < 0 or > 65535)
        {
            errors.Add($"{path}:Port must be between 1 and 65535 (or 0 for the usual port).");
        }

        if (!MailSecurity.IsValid(security))
        {
            errors.Add($"{path}:Security must be 'ssl', 'starttls' or 'none', not '{security}'.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex NamePattern();
}
