using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SupportBot.Channels.Email;
using SupportBot.Customers;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Interests;
using SupportBot.Pipeline.Outbox;
using static SupportBot.FunctionalTests.Channels.Email.EmailHostFixture<SupportBot.TestSupport.RedisServerFixture>;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Channels.Email;

public sealed class EmailChannelOnRedisTests(EmailHostFixture<RedisServerFixture> host)
    : EmailChannelTests<RedisServerFixture>(host), IClassFixture<EmailHostFixture<RedisServerFixture>>;

public sealed class EmailChannelOnGarnetTests(EmailHostFixture<GarnetFixture> host)
    : EmailChannelTests<GarnetFixture>(host), IClassFixture<EmailHostFixture<GarnetFixture>>;

/// <summary>
/// The e-mail channel against real mail servers: customers' mails are delivered into dovecot's
/// maildir by IMAP APPEND, the host reads them over IMAP (IDLE, or polling where the server has no
/// IDLE) and answers through a real SMTP server on loopback.
/// </summary>
public abstract class EmailChannelTests<TStore>(EmailHostFixture<TStore> host) where TStore : IStore, IAsyncLifetime, new()
{
    private readonly SmtpStandIn _smtp = host.Smtp;

    [Fact]
    public async Task NewMail_RecordedLinkedToTheCustomerAndAnsweredInItsThread()
    {
        var customer = NewCustomer();
        var mail = Mail(customer, "Delivery", "Hello,\n\nhow long does delivery take?\nhttps://shop.example/p/kettle-42\n\n-- \nAnna Tester\n+49 30 1234567");

        await host.Imap.DeliverAsync(ShopAddress, mail);

        var reply = Assert.Single(await _smtp.WaitForAsync(customer));
        Assert.Equal(ShopAddress, reply.From.Mailboxes.Single().Address);
        Assert.Equal("Northwind Support", reply.From.Mailboxes.Single().Name);
        Assert.Equal("Re: Delivery", reply.Subject);
        Assert.Equal(mail.MessageId!, reply.InReplyTo);
        Assert.Equal([mail.MessageId!], reply.References);
        Assert.Contains("2–4 working days", reply.TextBody!, StringComparison.Ordinal);
        Assert.Contains("2–4 working days", reply.HtmlBody!, StringComparison.Ordinal);
        Assert.Equal("auto-replied", reply.Headers["Auto-Submitted"]);

        var record = await host.RecordOfNewMailAsync(mail);
        Assert.NotNull(record);
        Assert.Equal("email", record.SourceType);
        Assert.Equal("message", record.Action);
        Assert.Equal("shop", record.ChannelAccount);
        Assert.Equal(customer, record.Author.Id);
        Assert.Equal("Anna Tester", record.Author.Name);
        Assert.Equal("Hello,\n\nhow long does delivery take?\nhttps://shop.example/p/kettle-42", record.Text);
        Assert.Equal("Delivery", record.Fields?["subject"]);
        Assert.Equal(customer, record.Fields?["email"]);
        Assert.Equal("https://shop.example/p/kettle-42", record.Fields?["links"]);
        Assert.True(record.Processed);

        var conversation = record.ConversationId;
        var answer = await EventuallyAsync(
            () => host.Interests.GetAsync(InterestLog.RecordId("out", conversation, $"{conversation}:{1}:0")), r => r is not null);
        Assert.Equal(reply.MessageId!, answer?.ChannelMessageId);

        var customers = host.Factory.Services.GetRequiredService<CustomerStore>();
        Assert.NotNull(await EventuallyAsync(() => customers.FindByIdentityAsync("email", customer), id => id is not null));
    }

    [Fact]
    public async Task ReplyInTheThread_SameConversationQuoteStripped_NewSubjectStartsAnother()
    {
        var customer = NewCustomer("boris");
        var first = Mail(customer, "Delivery", "How long does delivery take?");
        await host.Imap.DeliverAsync(ShopAddress, first);
        var botReply = Assert.Single(await _smtp.WaitForAsync(customer));

        var second = QuotingReply(customer, "Re: Delivery", "Thanks! And how long does delivery take to Austria?", botReply);
        await host.Imap.DeliverAsync(ShopAddress, second);
        var replies = await _smtp.WaitForAsync(customer, 2);

        var conversation = EmailIntake.ConversationOf("shop", first.MessageId!);
        var record = await EventuallyAsync(() => host.Interests.GetAsync(InterestLog.RecordId("in", conversation, second.MessageId!)), r => r is not null);
        Assert.NotNull(record);
        Assert.Equal("Thanks! And how long does delivery take to Austria?", record.Text);
        var secondReply = replies[1];
        Assert.Equal(second.MessageId!, secondReply.InReplyTo);
        Assert.Equal([first.MessageId!, botReply.MessageId!, second.MessageId!], secondReply.References);
        Assert.Equal("Re: Delivery", secondReply.Subject);

        var other = Mail(customer, "Payment", "Can I pay by invoice?");
        await host.Imap.DeliverAsync(ShopAddress, other);
        var otherRecord = await host.RecordOfNewMailAsync(other);
        Assert.NotNull(otherRecord);
        Assert.NotEqual(conversation, otherRecord.ConversationId);
        var third = (await _smtp.WaitForAsync(customer, 3))[2];
        Assert.Equal("Re: Payment", third.Subject);
        Assert.Equal([other.MessageId!], third.References);
    }

    [Fact]
    public async Task ReplyHeadersOfAnotherSendersThread_StartsItsOwnConversation_TheThreadStaysTheCustomers()
    {
        var customer = NewCustomer("paula");
        var first = Mail(customer, "Order 4711", "How long does delivery take?");
        await host.Imap.DeliverAsync(ShopAddress, first);
        var botReply = Assert.Single(await _smtp.WaitForAsync(customer));

        // A stranger who learned (or guessed) the Message-IDs writes "into" the thread.
        var stranger = NewCustomer("mallory");
        var hijack = Mail(stranger, "Re: Order 4711", "Please send everything to this address from now on.", replyTo: botReply);
        await host.Imap.DeliverAsync(ShopAddress, hijack);
        Assert.Single(await _smtp.WaitForAsync(stranger));

        var conversation = EmailIntake.ConversationOf("shop", first.MessageId!);
        var strangers = await host.RecordOfNewMailAsync(hijack);
        Assert.NotNull(strangers);
        Assert.NotEqual(conversation, strangers.ConversationId);
        Assert.Null(await host.Interests.GetAsync(InterestLog.RecordId("in", conversation, hijack.MessageId!)));

        // The customer's own next mail in the thread is still answered to the customer, in their conversation.
        var second = Mail(customer, "Re: Order 4711", "And to Austria?", replyTo: botReply);
        await host.Imap.DeliverAsync(ShopAddress, second);
        var replies = await _smtp.WaitForAsync(customer, 2);
        Assert.Equal(second.MessageId!, replies[1].InReplyTo);
        Assert.NotNull(await EventuallyAsync(() => host.Interests.GetAsync(InterestLog.RecordId("in", conversation, second.MessageId!)), r => r is not null));
        Assert.Single(_smtp.To(stranger));
    }

    [Fact]
    public async Task ChoicesListedByNumber_AReplyWithTheNumber_GetsThatAnswer()
    {
        // "returns" is torn between the returns and the return-label entries: the bot lists the closest questions.
        var customer = NewCustomer("olga");
        var first = Mail(customer, "Return", "returns");
        await host.Imap.DeliverAsync(ShopAddress, first);
        var listing = Assert.Single(await _smtp.WaitForAsync(customer));
        var listed = listing.TextBody!.Split('\n').Where(l => l.StartsWith("2. ", StringComparison.Ordinal)).Select(l => l[3..].Trim()).SingleOrDefault();
        Assert.True(listed is not null, $"The bot did not list choices for \"returns\"; it wrote: {listing.TextBody}");
        Assert.Contains("Reply to this e-mail with the number of your choice.", listing.TextBody, StringComparison.Ordinal);

        await host.Imap.DeliverAsync(ShopAddress, QuotingReply(customer, "Re: Return", "2", listing));

        var answer = (await _smtp.WaitForAsync(customer, 2))[1];
        var picked = host.Factory.Services.GetRequiredService<SupportBot.Dialogs.Content.ContentLibrary>().Current.Faq.Single(e => e.Questions["en"][0] == listed);
        Assert.Contains(picked.Answer["en"], answer.TextBody!, StringComparison.Ordinal);
        Assert.Equal("Re: Return", answer.Subject);
    }

    [Fact]
    public async Task HtmlOnlyMail_RecordedAsTextWithoutTheQuoteWithItsLinks()
    {
        var customer = NewCustomer("clara");
        var mail = Mail(customer, "Kettle", null,
            """<div dir="ltr">Is <a href="https://shop.example/p/kettle-42">this kettle</a> in stock?<br><br>Clara</div><div class="gmail_quote">On Mon, someone wrote:<blockquote class="gmail_quote">old text</blockquote></div>""");

        await host.Imap.DeliverAsync(ShopAddress, mail);

        var record = await host.RecordOfNewMailAsync(mail);
        Assert.NotNull(record);
        Assert.Equal("Is this kettle in stock?\n\nClara", record.Text);
        Assert.Equal("https://shop.example/p/kettle-42", record.Fields?["links"]);
        await _smtp.WaitForAsync(customer);
    }

    [Fact]
    public async Task MailOverMaxMessageBytes_RecordedFromItsHeadersAndAnswered()
    {
        var customer = NewCustomer("olga");
        var mail = Mail(customer, "Photos of the broken kettle", null);
        var body = new BodyBuilder { TextBody = "See the photos attached." };
        body.Attachments.Add("kettle.jpg", new byte[200 * 1024], new ContentType("image", "jpeg"));
        mail.Body = body.ToMessageBody();

        await host.Imap.DeliverAsync(ShopAddress, mail);

        var record = await host.RecordOfNewMailAsync(mail);
        Assert.NotNull(record);
        Assert.Equal(customer, record.Author.Id);
        Assert.Equal("Photos of the broken kettle", record.Fields?["subject"]);
        Assert.Matches(@"^\[This mail is \d+ KB, too large to read here; open it in the mailbox\.\]$", record.Text);
        Assert.Equal(mail.MessageId!, Assert.Single(await _smtp.WaitForAsync(customer)).InReplyTo);
    }

    [Fact]
    public async Task NotificationAndAutoReplyAndBounce_RecordedOrSkippedNeverAnswered()
    {
        var vk = Mail("admin@notify.vk.com", "Иван Петров прокомментировал запись сообщества «Northwind»", "Иван Петров: Отличный чайник!\n\nОтписаться: https://vk.com/settings?act=notify",
            """<p>Иван Петров: Отличный чайник!</p><a href="https://vk.com/wall-123456_789?reply=1011">Ответить</a>""");
        vk.Headers.Add("Precedence", "bulk");
        var absentCustomer = NewCustomer("dora");
        var outOfOffice = Mail(absentCustomer, "Automatic reply: Delivery", "I am out of the office until Monday.");
        outOfOffice.Headers.Add("Auto-Submitted", "auto-replied");
        var bounce = Mail("MAILER-DAEMON@mx.example.com", "Undelivered Mail Returned to Sender", "This is the mail system: your mail could not be delivered.");
        var sentinel = Mail(NewCustomer("emil"), "Delivery", "How long does delivery take?");

        foreach (var mail in new[] { vk, outOfOffice, bounce, sentinel })
        {
            await host.Imap.DeliverAsync(ShopAddress, mail);
        }

        // Mails are read in order: once the last one is answered, the earlier ones have been handled.
        await _smtp.WaitForAsync(sentinel.From.Mailboxes.Single().Address);
        var notification = await host.Interests.GetAsync(InterestLog.RecordId("in", EmailIntake.NotificationsOf("shop", "vk"), vk.MessageId!));
        Assert.NotNull(notification);
        Assert.Equal("comment", notification.Action);
        Assert.Equal("https://vk.com/wall-123456_789?reply=1011", notification.SourceLink);
        Assert.Equal("Иван Петров", notification.Author.Name);
        Assert.Equal("vk", notification.Fields?["network"]);
        Assert.Contains("Отличный чайник", notification.Text, StringComparison.Ordinal);
        Assert.False(notification.Processed);

        var auto = await host.RecordOfNewMailAsync(outOfOffice);
        Assert.NotNull(auto);
        Assert.True(auto.Processed);
        Assert.Equal("auto-reply", auto.Fields?["automated"]);

        Assert.Empty(_smtp.To("admin@notify.vk.com"));
        Assert.Empty(_smtp.To(absentCustomer));
        Assert.Empty(_smtp.To("MAILER-DAEMON@mx.example.com"));
    }

    [Fact]
    public async Task RobotWithoutAutoReplyHeaders_AnsweredAtMostTheHourlyCap_TheRestDeadLetteredNamingTheSetting()
    {
        // A helpdesk that acknowledges every mail without RFC 3834 headers: each of our answers would get another ticket.
        var robot = NewCustomer("helpdesk");
        var mails = Enumerable.Range(1, 5).Select(i => Mail(robot, $"Ticket #{i} received", "We received your message. How long does delivery take?")).ToList();
        foreach (var mail in mails)
        {
            await host.Imap.DeliverAsync(ShopAddress, mail);
        }

        foreach (var mail in mails)
        {
            Assert.NotNull(await host.RecordOfNewMailAsync(mail)); // all recorded for people to see
        }

        var conversations = mails.Select(m => EmailIntake.ConversationOf("shop", m.MessageId!)).ToHashSet();
        var store = host.Factory.Services.GetRequiredService<DeadLetterStore>();
        var capped = await EventuallyAsync(
            async () => (await store.ListAsync(0, 10_000)).Items.Where(l => conversations.Contains(l.Item.ConversationId)).ToList(),
            l => l.Select(x => x.Item.ConversationId).Distinct().Count() >= 2);
        Assert.Equal(2, capped.Select(l => l.Item.ConversationId).Distinct().Count());
        Assert.All(capped, l => Assert.Contains("Channels:Email:MaxBotRepliesPerAddressPerHour", l.Reason, StringComparison.Ordinal));
        Assert.All(capped, l => Assert.DoesNotContain(robot, l.Reason, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(3, (await _smtp.WaitForAsync(robot, 3)).Count);
        await Task.Delay(500, Ct);
        Assert.Equal(3, _smtp.To(robot).Count);
    }

    [Fact]
    public async Task MailThatFailsEveryTime_SetAsideAfterThreeTriesWithItsUid_TheMailsBehindItAreRead()
    {
        var customer = NewCustomer("quentin");
        var poison = Mail(customer, "Secret subject " + Guid.NewGuid().ToString("N")[..6], "This one cannot be handled.");
        // Damaged state in the store: the conversation this mail would start is the wrong type, so its intake fails every time.
        var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(host.Store.ConnectionString);
        await redis.GetDatabase().StringSetAsync(EmailKeys.Thread(EmailIntake.ConversationOf("shop", poison.MessageId!)), "damaged");
        var sentinel = Mail(NewCustomer("rosa"), "Delivery", "How long does delivery take?");

        await host.Imap.DeliverAsync(ShopAddress, poison);
        await host.Imap.DeliverAsync(ShopAddress, sentinel);

        Assert.Single(await _smtp.WaitForAsync(sentinel.From.Mailboxes.Single().Address));
        var setAside = host.Logs.Entries.Where(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("set aside", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(setAside);
        Assert.Matches(@"^E-mail shop: mail UID \d+ failed 3 times \(RedisServerException\); set aside", line.Message);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Information
            && (e.Message.Contains(poison.Subject!, StringComparison.Ordinal) || e.Message.Contains(customer, StringComparison.Ordinal)));
        Assert.Empty(_smtp.To(customer));
        var uid = line.Message.Split(' ')[4];
        Assert.Contains(await redis.GetDatabase().HashKeysAsync(EmailKeys.SetAside("shop")), k => ((string)k!).EndsWith(":" + uid, StringComparison.Ordinal));
        await redis.DisposeAsync();
    }

    [Fact]
    public async Task SameMailTwice_ACopyInTheFolderAndTheCursorRewound_OneRecordOneAnswer()
    {
        var customer = NewCustomer("fritz");
        var mail = Mail(customer, "Delivery", "How long does delivery take?");
        await host.Imap.DeliverAsync(ShopAddress, mail);
        await _smtp.WaitForAsync(customer);

        // As if the host died after handing the mail on but before moving its cursor, and the server delivered a copy.
        await host.Imap.DeliverAsync(ShopAddress, mail);
        var redis = StackExchange.Redis.ConnectionMultiplexer.Connect(host.Store.ConnectionString);
        await redis.GetDatabase().HashSetAsync(EmailKeys.Cursor("shop"), "uid", 0);
        var sentinel = Mail(NewCustomer("gina"), "Delivery", "How long does delivery take?");
        await host.Imap.DeliverAsync(ShopAddress, sentinel);
        await _smtp.WaitForAsync(sentinel.From.Mailboxes.Single().Address);
        await redis.DisposeAsync();

        Assert.Single(_smtp.To(customer));
        var feed = await host.Factory.Services.GetRequiredService<InterestLog>().GetAsync(InterestLog.RecordId("in", EmailIntake.ConversationOf("shop", mail.MessageId!), mail.MessageId!));
        Assert.NotNull(feed);
    }

    [Fact]
    public async Task Smtp4xxThenSuccess_RetriedAndDeliveredOnce()
    {
        var customer = NewCustomer("hanna");
        _smtp.Refuse(customer, 451, times: 1);

        await host.Imap.DeliverAsync(ShopAddress, Mail(customer, "Delivery", "How long does delivery take?"));

        Assert.Single(await _smtp.WaitForAsync(customer));
        Assert.Equal(2, _smtp.AttemptsTo(customer));
    }

    [Fact]
    public async Task Smtp5xx_DeadLetteredWithTheReasonNeverRetried()
    {
        var customer = NewCustomer("ida");
        _smtp.Refuse(customer, 550);
        var mail = Mail(customer, "Delivery", "How long does delivery take?");

        await host.Imap.DeliverAsync(ShopAddress, mail);

        var conversation = EmailIntake.ConversationOf("shop", mail.MessageId!);
        var store = host.Factory.Services.GetRequiredService<DeadLetterStore>();
        var letters = await EventuallyAsync(async () => (await store.ListAsync(0, 10_000)).Items.Where(l => l.Item.ConversationId == conversation).ToList(), l => l.Count > 0);
        // The greeting and the answer go as one mail; each item of the turn is dead-lettered after one refused attempt.
        Assert.All(letters, letter => Assert.Contains("550", letter.Reason, StringComparison.Ordinal));
        Assert.All(letters, letter => Assert.DoesNotContain(customer, letter.Reason, StringComparison.OrdinalIgnoreCase)); // logged: no addresses
        Assert.All(letters, letter => Assert.Equal(1, letter.Item.Attempts));
        Assert.Empty(_smtp.To(customer));
    }

    [Fact]
    public async Task ServerWithoutIdle_PolledAndAnsweredFromThatMailbox()
    {
        var customer = NewCustomer("jana");
        var mail = Mail(customer, "Lieferung", "Wie lange dauert die Lieferung?", to: BrandAddress);

        await host.PollingImap.DeliverAsync(BrandAddress, mail);

        var reply = Assert.Single(await _smtp.WaitForAsync(customer));
        Assert.Equal(BrandAddress, reply.From.Mailboxes.Single().Address);
        Assert.Equal(mail.MessageId!, reply.InReplyTo);
        var record = await host.RecordOfNewMailAsync(mail, "brand2");
        Assert.Equal("brand2", record?.ChannelAccount);
    }

    [Fact]
    public async Task AgentReplyFromTheConsole_GoesBySmtpInTheCustomersThread()
    {
        var customer = NewCustomer("karl");
        var mail = Mail(customer, "Broken kettle", "My kettle arrived broken.");
        await host.Imap.DeliverAsync(ShopAddress, mail);
        var conversation = (await host.RecordOfNewMailAsync(mail))!.ConversationId;
        await _smtp.WaitForAsync(customer);
        await using var agent = new AgentTestClient(host.Factory, "agent-" + Guid.NewGuid().ToString("N")[..6]);
        await agent.OnlineAsync(name: "Maria");

        Assert.True((await agent.ClaimAsync(conversation)).IsSuccessStatusCode);
        Assert.True((await agent.SendAsync(conversation, "Sorry about that! A new one is on its way.")).IsSuccessStatusCode);

        var replies = await _smtp.WaitForAsync(customer, 2);
        var fromAgent = replies.Single(r => r.TextBody!.Contains("new one is on its way", StringComparison.Ordinal));
        Assert.Equal(ShopAddress, fromAgent.From.Mailboxes.Single().Address);
        Assert.Equal(mail.MessageId!, fromAgent.InReplyTo);
        Assert.Equal("Re: Broken kettle", fromAgent.Subject);
        Assert.Null(fromAgent.Headers["Auto-Submitted"]);
    }

    [Fact]
    public async Task Notifier_OneMailFromTheFirstMailbox()
    {
        var notifier = host.Factory.Services.GetRequiredService<IEmailNotifier>();
        var customer = NewCustomer("lena");

        var id = await notifier.SendAsync(new EmailNotification(customer, "We received your request", "Thank you, we will call you back today.", "Lena"), Ct);

        var mail = Assert.Single(await _smtp.WaitForAsync(customer));
        Assert.True(notifier.IsConfigured);
        Assert.Equal(id, mail.MessageId!);
        Assert.Equal(ShopAddress, mail.From.Mailboxes.Single().Address);
        Assert.Equal("auto-generated", mail.Headers["Auto-Submitted"]);
        Assert.Equal("Thank you, we will call you back today.", mail.TextBody!.Trim());
        await Assert.ThrowsAsync<ArgumentException>(() => notifier.SendAsync(new EmailNotification("not an address", "x", "y"), Ct));
    }

    /// <summary>The customer's answer in the thread, quoting the bot's mail below it as mail clients do.</summary>
    private static MimeMessage QuotingReply(string customer, string subject, string text, MimeMessage botReply) => Mail(customer, subject,
        $"{text}\n\nOn {DateTime.UtcNow:ddd, d MMM yyyy} at 10:15, Northwind Support <{ShopAddress}> wrote:\n> {botReply.TextBody!.Replace("\n", "\n> ", StringComparison.Ordinal)}",
        replyTo: botReply);
}
