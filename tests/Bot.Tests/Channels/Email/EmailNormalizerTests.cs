using MimeKit;
using SupportBot.Channels.Email;
using SupportBot.Contracts;
using SupportBot.Pipeline.Outbox;

namespace SupportBot.Tests.Channels.Email;

/// <summary>Which mails are answered, recorded or skipped, and what the answer's headers say.</summary>
public sealed class EmailNormalizerTests
{
    private static readonly string[] Own = ["support@northwind.test"];

    private static MimeMessage Mail(string from, string subject, string body, params (string Name, string Value)[] headers)
    {
        var message = new MimeMessage { Subject = subject, MessageId = Guid.NewGuid().ToString("N") + "@client.test", Date = DateTimeOffset.UtcNow };
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("support@northwind.test"));
        foreach (var (name, value) in headers)
        {
            message.Headers.Add(name, value);
        }

        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    [Fact]
    public void Read_CustomerReply_ConverseWithParentsNewestFirstAndTheChainAsSent()
    {
        var message = Mail("\"Anna Müller\" <Anna@Example.de>", "AW: Lieferung", "Danke!\n\nAm 04.03.2024 um 10:15 schrieb Northwind <support@northwind.test>:\n> Hallo");
        message.InReplyTo = "bot-2@northwind.test";
        message.References.Add("first@example.de");
        message.References.Add("bot-1@northwind.test");
        message.References.Add("bot-2@northwind.test");

        var mail = EmailNormalizer.Read(message, Own);

        Assert.Equal(EmailRoute.Converse, mail.Route);
        Assert.Equal("anna@example.de", mail.FromAddress);
        Assert.Equal("Anna Müller", mail.FromName);
        Assert.Equal("Danke!", mail.Text);
        Assert.Equal(["bot-2@northwind.test", "bot-1@northwind.test", "first@example.de"], mail.Parents);
        Assert.Equal(["first@example.de", "bot-1@northwind.test", "bot-2@northwind.test"], mail.References);
    }

    public static TheoryData<string, string, (string, string)[]> AutoReplies => new()
    {
        { "john@example.com", "Out of Office: Delivery", [] },
        { "john@example.com", "Automatic reply: Delivery", [("X-Auto-Response-Suppress", "All")] },
        { "hans@example.de", "Abwesenheitsnotiz: Lieferung", [] },
        { "ivan@example.ru", "Автоответ: Доставка", [] },
        { "ivan@example.ru", "Re: Доставка", [("Auto-Submitted", "auto-replied")] },
        { "anna@example.com", "Re: Delivery", [("X-Autoreply", "yes")] },
        { "anna@example.com", "Re: Delivery", [("Precedence", "auto_reply")] },
        { "anna@example.com", "Re: Delivery", [("X-Autorespond", "yes")] },
        { "helpdesk@example.com", "Ticket 123 received", [("Auto-Submitted", "auto-generated")] },
    };

    [Fact]
    public void Read_AutoSubmittedNo_AnsweredLikeAnyMail()
    {
        Assert.Equal(EmailRoute.Converse, EmailNormalizer.Read(Mail("anna@example.com", "Delivery", "How long?", ("Auto-Submitted", "no")), Own).Route);
    }

    [Theory]
    [MemberData(nameof(AutoReplies))]
    public void Read_AutoReplies_RecordedNeverConversed(string from, string subject, (string, string)[] headers)
    {
        var mail = EmailNormalizer.Read(Mail(from, subject, "I am away until Monday.", headers), Own);

        Assert.Equal(EmailRoute.RecordOnly, mail.Route);
        Assert.Equal("auto-reply", mail.Automated);
    }

    [Theory]
    [InlineData("MAILER-DAEMON@mx.example.com", "Undelivered Mail Returned to Sender", "", "")]
    [InlineData("postmaster@example.com", "Delivery Status Notification (Failure)", "", "")]
    [InlineData("bounces@example.com", "Delivery failure", "X-Failed-Recipients", "gone@example.com")]
    [InlineData("news@othershop.test", "Our spring sale", "List-Unsubscribe", "<mailto:unsub@othershop.test>")]
    [InlineData("news@othershop.test", "Our spring sale", "Precedence", "bulk")]
    [InlineData("news@othershop.test", "Our spring sale", "Precedence", "junk")]
    [InlineData("list@lists.example", "[users] Question", "Precedence", "list")]
    [InlineData("list@lists.example", "[users] Question", "List-Id", "<users.lists.example>")]
    [InlineData("support@northwind.test", "Re: Delivery", "", "")]
    public void Read_BouncesBulkAndOurOwnMail_Skipped(string from, string subject, string header, string value)
    {
        var message = Mail(from, subject, "text", header.Length > 0 ? [(header, value)] : []);

        Assert.Equal(EmailRoute.Skip, EmailNormalizer.Read(message, Own).Route);
    }

    [Fact]
    public void Read_BounceAsMultipartReport_Skipped()
    {
        var message = Mail("mail-delivery@example.com", "Returned mail", "");
        var report = new MultipartReport("delivery-status") { new TextPart("plain") { Text = "Your message could not be delivered." } };
        message.Body = report;

        Assert.Equal(EmailRoute.Skip, EmailNormalizer.Read(message, Own).Route);
    }

    [Fact]
    public void Read_NotificationWithBulkHeaders_RecordedWithItsLinkFromTheHtmlPart()
    {
        var message = Mail("admin@notify.vk.com", "Иван Петров прокомментировал запись сообщества", "", ("Precedence", "bulk"), ("List-Unsubscribe", "<https://vk.com/unsubscribe>"));
        message.Body = new BodyBuilder
        {
            TextBody = "Иван Петров: Отличный чайник!\n\nОтписаться от уведомлений: https://vk.com/settings",
            HtmlBody = "<p>Иван Петров: Отличный чайник!</p><a href=\"https://vk.com/wall-123_45?reply=67\">Ответить</a><p>Отписаться</p>",
        }.ToMessageBody();

        var mail = EmailNormalizer.Read(message, Own);

        Assert.Equal(EmailRoute.RecordOnly, mail.Route);
        Assert.Equal("comment", mail.Notification?.Action);
        Assert.Equal("https://vk.com/wall-123_45?reply=67", mail.Notification?.Link);
        Assert.Equal("Иван Петров прокомментировал запись сообщества\n\nИван Петров: Отличный чайник!", mail.Text);
    }

    [Fact]
    public void MessageIdOf_MailWithoutOne_TheSameStableIdOnEveryRead()
    {
        var message = Mail("anna@example.com", "Hello", "Do you have it in red?");
        message.Headers.Remove(HeaderId.MessageId);

        var first = EmailNormalizer.MessageIdOf(message);

        Assert.StartsWith("sha256:", first, StringComparison.Ordinal);
        Assert.Equal(first, EmailNormalizer.MessageIdOf(message));
    }

    private static readonly EmailMailboxOptions Mailbox = new() { Name = "shop", Address = "support@northwind.test", DisplayName = "Northwind Support" };

    private static OutboxItem Item(string author, OutgoingMessage message, string? authorName = null) => new()
    {
        Id = "email:shop:abc:3:0",
        Channel = "email",
        ConversationId = "email:shop:abc",
        Message = message,
        Author = author,
        AuthorName = authorName,
        Language = "en",
    };

    [Fact]
    public void Compose_BotAnswer_ThreadingHeadersStableMessageIdAndNoAutoReplyLoops()
    {
        var thread = new EmailThread("shop", "anna@example.de", "Anna Müller", "AW: Lieferung", "c2@example.de", ["c1@example.de", "bot-1@northwind.test", "c2@example.de"]);

        var message = EmailSender.Compose(Mailbox, thread, Item("bot", new OutgoingMessage("Hallo Anna")), DateTimeOffset.UtcNow);

        Assert.Equal("Re: Lieferung", message.Subject);
        Assert.Equal("c2@example.de", message.InReplyTo);
        Assert.Equal(["c1@example.de", "bot-1@northwind.test", "c2@example.de"], message.References);
        Assert.Equal(EmailSender.MessageIdFor("email:shop:abc:3:0", Mailbox), message.MessageId);
        Assert.EndsWith("@northwind.test", message.MessageId, StringComparison.Ordinal);
        Assert.Equal("\"Northwind Support\" <support@northwind.test>", message.From.ToString());
        Assert.Equal("\"Anna Müller\" <anna@example.de>", message.To.ToString());
        Assert.Equal("auto-replied", message.Headers["Auto-Submitted"]);
        Assert.Equal("Hallo Anna", message.TextBody);
        Assert.Contains("<p>Hallo Anna</p>", message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_AgentAnswer_NamedAndNotMarkedAutomatic()
    {
        var thread = new EmailThread("shop", "anna@example.de", null, "Delivery", "c1@example.de", ["c1@example.de"]);

        var message = EmailSender.Compose(Mailbox, thread, Item("agent:maria", new OutgoingMessage("I'll check it."), "Maria"), DateTimeOffset.UtcNow);

        Assert.Null(message.Headers["Auto-Submitted"]);
        Assert.Equal("\"Maria (Northwind Support)\" <support@northwind.test>", message.From.ToString());
        Assert.Equal("Re: Delivery", message.Subject);
    }

    [Fact]
    public void Compose_Choices_NumberedListInTextAndHtmlOnce()
    {
        var thread = new EmailThread("shop", "anna@example.de", null, "Hi", "c1@example.de", ["c1@example.de"]);
        var choices = new[] { new SuggestedChoice("Delivery", "delivery"), new SuggestedChoice("Returns & <refunds>", "returns") };

        var bare = EmailSender.Compose(Mailbox, thread, Item("bot", new OutgoingMessage("What can I help with?", choices)), DateTimeOffset.UtcNow);
        var listed = EmailSender.Compose(Mailbox, thread, Item("bot", new OutgoingMessage("What can I help with?\n1. Delivery\n2. Returns & <refunds>", choices)), DateTimeOffset.UtcNow);

        Assert.Equal("What can I help with?\n\n1. Delivery\n2. Returns & <refunds>\n\nReply to this e-mail with the number of your choice.", bare.TextBody);
        Assert.Contains("<ol><li>Delivery</li><li>Returns &amp; &lt;refunds&gt;</li></ol>", bare.HtmlBody, StringComparison.Ordinal);
        Assert.Equal("What can I help with?\n1. Delivery\n2. Returns & <refunds>", listed.TextBody);
    }
}
