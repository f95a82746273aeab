namespace SupportBot.Channels.Email;

/// <summary>The e-mail channel's log lines (event ids 800–819; the form intake has 840–859, webhooks 820–839): mailbox names, conversation ids and server answers; addresses, subjects and text only at Debug.</summary>
internal static partial class EmailLog
{
    [LoggerMessage(800, LogLevel.Information, "E-mail {Mailbox}: reading {Folder} on {Host}, {Mode}")]
    public static partial void Connected(ILogger logger, string mailbox, string folder, string host, string mode);

    [LoggerMessage(801, LogLevel.Warning, "E-mail {Mailbox}: IMAP failed, trying again in {DelaySeconds:F0} s: {Error}")]
    public static partial void ReadFailed(ILogger logger, string mailbox, double delaySeconds, string error);

    [LoggerMessage(802, LogLevel.Information, "E-mail {Mailbox}: another instance reads it now; this one stands by")]
    public static partial void LeaseLost(ILogger logger, string mailbox);

    [LoggerMessage(803, LogLevel.Information, "E-mail {Mailbox}: {Reason}: reading the last {Days} days' {Which} mail")]
    public static partial void FirstSync(ILogger logger, string mailbox, string reason, int days, string which);

    [LoggerMessage(804, LogLevel.Debug, "E-mail {Mailbox}: mail accepted into {ConversationId} (duplicate: {Duplicate})")]
    public static partial void Accepted(ILogger logger, string mailbox, string conversationId, bool duplicate);

    [LoggerMessage(805, LogLevel.Information, "E-mail {Mailbox}: mail recorded in {ConversationId} as {Action} ({What}), not answered")]
    public static partial void Recorded(ILogger logger, string mailbox, string conversationId, string action, string what);

    [LoggerMessage(806, LogLevel.Information, "E-mail {Mailbox}: mail skipped: {Reason}")]
    public static partial void Skipped(ILogger logger, string mailbox, string reason);

    [LoggerMessage(807, LogLevel.Debug, "E-mail {Mailbox}: mail already taken, skipped")]
    public static partial void AlreadyTaken(ILogger logger, string mailbox);

    [LoggerMessage(808, LogLevel.Error, "E-mail {Mailbox}: mail UID {Uid} could not be read; skipped")]
    public static partial void Unreadable(ILogger logger, Exception exception, string mailbox, uint uid);

    [LoggerMessage(809, LogLevel.Debug, "E-mail {Mailbox}: sending to {ConversationId}: {Text}")]
    public static partial void Sending(ILogger logger, string mailbox, string conversationId, string text);

    [LoggerMessage(810, LogLevel.Warning, "E-mail {Mailbox}: the mail server refused a send ({Code}); {Outcome}")]
    public static partial void SendRefused(ILogger logger, string mailbox, int code, string outcome);

    [LoggerMessage(811, LogLevel.Information, "E-mail {Mailbox}: mail UID {Uid} is {Size} bytes, over Channels:Email:MaxMessageBytes; recorded from its headers")]
    public static partial void TooLarge(ILogger logger, string mailbox, uint uid, uint size);

    [LoggerMessage(812, LogLevel.Information, "Form confirmation for {RecordId} on {Site} sent")]
    public static partial void ConfirmationSent(ILogger logger, string site, string recordId);

    [LoggerMessage(813, LogLevel.Warning, "Form confirmation for {RecordId} on {Site} not sent (try {Attempt}), trying again in {DelaySeconds:F0} s: {Error}")]
    public static partial void ConfirmationRetrying(ILogger logger, string site, string recordId, int attempt, double delaySeconds, string error);

    [LoggerMessage(814, LogLevel.Warning, "Form confirmation for {RecordId} on {Site} dropped: {Reason}")]
    public static partial void ConfirmationDropped(ILogger logger, string site, string recordId, string reason);

    [LoggerMessage(815, LogLevel.Information, "E-mail {Mailbox}: a mail names a thread of another sender; it starts a conversation of its own")]
    public static partial void ThreadOfAnother(ILogger logger, string mailbox);

    [LoggerMessage(816, LogLevel.Warning, "E-mail {Mailbox}: the bot's answer in {ConversationId} not sent: its address is over Channels:Email:MaxBotRepliesPerAddressPerHour (a mail loop?)")]
    public static partial void ReplyCapped(ILogger logger, string mailbox, string conversationId);

    [LoggerMessage(817, LogLevel.Warning, "E-mail {Mailbox}: mail UID {Uid} failed {Attempts} times ({Error}); set aside (it stays in the folder), reading on")]
    public static partial void SetAside(ILogger logger, string mailbox, uint uid, long attempts, string error);
}
