using System.Security.Cryptography;
using System.Text;
using SupportBot.Contracts;
using SupportBot.Dialogs;
using SupportBot.Interests;
using SupportBot.Pipeline;

namespace SupportBot.Channels.Email;

/// <summary>
/// Where a read mail becomes work: a turn for the pipeline (deduplicated there by Message-ID), a
/// record on the interest log (notifications, auto-replies), or nothing. It also finds the mail's
/// conversation:
/// <list type="number">
/// <item>a mail already seen keeps its conversation;</item>
/// <item>a reply (In-Reply-To, then References, newest first) continues the conversation of the mail it answers,
/// ours or the customer's, when it comes from that conversation's customer (the sender of its first mail); from
/// anyone else it starts a new conversation, so a known or guessed Message-ID opens nobody else's thread;</item>
/// <item>a "Re:" mail whose client dropped those headers continues the sender's latest conversation with that subject;</item>
/// <item>anything else starts a new conversation: a new subject from the same sender is a new question. The
/// customer card still links all of them by the sender's address.</item>
/// </list>
/// </summary>
internal sealed class EmailIntake(PipelineIngress ingress, InterestLog interests, EmailStore store, TimeProvider time, ILogger<EmailIntake> logger)
{
    public const string Channel = "email";

    /// <summary><c>email:&lt;mailbox&gt;:&lt;thread&gt;</c>; notifications: <c>email:&lt;mailbox&gt;:notifications:&lt;network&gt;</c> (never answered).</summary>
    public static string ConversationOf(string mailbox, string rootMessageId) =>
        $"{Channel}:{mailbox}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rootMessageId)).AsSpan(0, 10))}";

    public static string NotificationsOf(string mailbox, string network) => $"{Channel}:{mailbox}:notifications:{network}";

    public static bool IsNotifications(string conversationId) => conversationId.Split(':') is [Channel, _, "notifications", _];

    public async Task HandleAsync(EmailMailboxOptions mailbox, EmailInbound mail)
    {
        if (mail.Route == EmailRoute.Skip)
        {
            EmailLog.Skipped(logger, mailbox.Name, mail.SkipReason ?? "?");
            return;
        }

        if (await store.IsTakenAsync(mailbox.Name, mail.MessageId))
        {
            EmailLog.AlreadyTaken(logger, mailbox.Name);
            return;
        }

        var now = time.GetUtcNow();
        if (mail.Notification is { } notification)
        {
            var conversationId = NotificationsOf(mailbox.Name, notification.Network);
            await interests.AppendAsync(NotificationRecord(mailbox, mail, notification, conversationId, now));
            EmailLog.Recorded(logger, mailbox.Name, conversationId, notification.Action, "notification");
        }
        else
        {
            var conversationId = await ConversationAsync(mailbox.Name, mail);
            await store.MapMessageAsync(mailbox.Name, mail.MessageId, conversationId);
            if (mail.Route == EmailRoute.RecordOnly)
            {
                await interests.AppendAsync(AutomatedRecord(mailbox, mail, conversationId, now));
                EmailLog.Recorded(logger, mailbox.Name, conversationId, "message", mail.Automated ?? "record");
            }
            else
            {
                if (EmailText.BaseSubject(mail.Subject) is { Length: > 0 } subject)
                {
                    await store.MapSubjectAsync(mailbox.Name, mail.FromAddress!, subject, conversationId);
                }

                await store.SaveInboundAsync(conversationId, mailbox.Name, mail);
                var result = await ingress.AcceptAsync(Activity(mailbox, mail, conversationId, now));
                EmailLog.Accepted(logger, mailbox.Name, conversationId, !result.Accepted);
            }
        }

        await store.MarkTakenAsync(mailbox.Name, mail.MessageId);
    }

    private async Task<string> ConversationAsync(string mailbox, EmailInbound mail)
    {
        if (await store.ConversationOfMessageAsync(mailbox, mail.MessageId) is { } seen)
        {
            return seen;
        }

        // Threading headers are the sender's to write: anyone who learns a Message-ID could name it. A thread is
        // continued only by the address it belongs to; from anyone else the mail starts a conversation of its own.
        foreach (var parent in mail.Parents)
        {
            if (await store.ConversationOfMessageAsync(mailbox, parent) is { } known)
            {
                if (await BelongsToSenderAsync(known, mail))
                {
                    return known;
                }

                EmailLog.ThreadOfAnother(logger, mailbox);
                return await OwnConversationAsync(mailbox, mail);
            }
        }

        if (EmailText.HasReplyPrefix(mail.Subject) && EmailText.BaseSubject(mail.Subject) is { Length: > 0 } subject
            && await store.ConversationOfSubjectAsync(mailbox, mail.FromAddress!, subject) is { } latest
            && await BelongsToSenderAsync(latest, mail))
        {
            return latest;
        }

        // A reply to a thread we never saw still groups with its siblings: the thread's root names it.
        if (mail.References.FirstOrDefault() is { } root && ConversationOf(mailbox, root) is var sibling && await BelongsToSenderAsync(sibling, mail))
        {
            return sibling;
        }

        return await OwnConversationAsync(mailbox, mail);
    }

    /// <summary>A conversation nobody has yet, or the sender's own.</summary>
    private async Task<bool> BelongsToSenderAsync(string conversationId, EmailInbound mail) =>
        await store.CustomerOfAsync(conversationId) is not { } owner || string.Equals(owner, mail.FromAddress, StringComparison.OrdinalIgnoreCase);

    /// <summary>A new conversation named by this mail; by the mail and its sender when a copied Message-ID names someone else's.</summary>
    private async Task<string> OwnConversationAsync(string mailbox, EmailInbound mail)
    {
        var own = ConversationOf(mailbox, mail.MessageId);
        return await BelongsToSenderAsync(own, mail) ? own : ConversationOf(mailbox, mail.FromAddress + "\n" + mail.MessageId);
    }

    internal static ChannelActivity Activity(EmailMailboxOptions mailbox, EmailInbound mail, string conversationId, DateTimeOffset now) => new()
    {
        Channel = Channel,
        ConversationId = conversationId,
        EventId = mail.MessageId,
        From = new ChannelUser(mail.FromAddress!, mail.FromName, null, "mailto:" + mail.FromAddress),
        Kind = ActivityKind.Email,
        // A mail with an empty body asks its question in the subject.
        Text = mail.Text.Length > 0 ? mail.Text : EmailText.BaseSubject(mail.Subject),
        Attachments = mail.Attachments,
        Locale = mail.Locale,
        ChannelAccount = mailbox.Name,
        ReceivedAt = now,
        Fields = Fields(mail),
    };

    private static Dictionary<string, string> Fields(EmailInbound mail)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["subject"] = mail.Subject,
            ["messageId"] = mail.MessageId,
        };
        if (mail.FromAddress is { } address && mail.Notification is null)
        {
            fields["email"] = address; // the customer card links by it
        }

        if (mail.Links.Count > 0)
        {
            fields["links"] = string.Join('\n', mail.Links);
        }

        return fields;
    }

    /// <summary>A like, comment or join on a network, learned from its notification mail; the reply action opens the post.</summary>
    private static InterestRecord NotificationRecord(EmailMailboxOptions mailbox, EmailInbound mail, SocialNotification notification, string conversationId, DateTimeOffset now)
    {
        var fields = Fields(mail);
        fields["network"] = notification.Network;
        fields["notificationFrom"] = mail.FromAddress ?? "";
        return new InterestRecord
        {
            Id = InterestLog.RecordId("in", conversationId, mail.MessageId),
            Date = now,
            SourceType = Channel,
            SourceLink = notification.Link,
            // No address to link a customer by: the card shows the name the network gave.
            Author = new InterestAuthor("", notification.Actor, null, null),
            Action = notification.Action,
            Direction = "in",
            Text = mail.Text,
            ConversationId = conversationId,
            ChannelAccount = mailbox.Name,
            Language = LanguageDetector.FromLocale(mail.Locale),
            Processed = false,
            ReplyAction = notification.Link,
            Fields = fields,
            EventId = mail.MessageId,
        };
    }

    /// <summary>An out-of-office answer: on the conversation's record for people to see, nothing to answer.</summary>
    private static InterestRecord AutomatedRecord(EmailMailboxOptions mailbox, EmailInbound mail, string conversationId, DateTimeOffset now)
    {
        var fields = Fields(mail);
        fields["automated"] = mail.Automated ?? "auto-reply";
        return new InterestRecord
        {
            Id = InterestLog.RecordId("in", conversationId, mail.MessageId),
            Date = now,
            SourceType = Channel,
            Author = new InterestAuthor(mail.FromAddress!, mail.FromName, null, "mailto:" + mail.FromAddress),
            Action = "message",
            Direction = "in",
            Text = mail.Subject + (mail.Text.Length > 0 ? "\n\n" + mail.Text : ""),
            ConversationId = conversationId,
            ChannelAccount = mailbox.Name,
            Language = LanguageDetector.FromLocale(mail.Locale),
            Responsible = null,
            Processed = true,
            ProcessedAt = now,
            ProcessedBy = "auto",
            ProcessedNote = "Automatic reply: nothing to answer.",
            ReplyAction = "conversation:" + conversationId,
            Fields = fields,
            EventId = mail.MessageId,
        };
    }
}
