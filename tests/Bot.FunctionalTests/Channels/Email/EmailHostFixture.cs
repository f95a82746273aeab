using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;
using StackExchange.Redis;
using SupportBot.Channels.Email;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Intake;
using SupportBot.Interests;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Channels.Email;

/// <summary>
/// A store, two dovecot servers (one with IMAP IDLE, one without), the SMTP stand-in and the host
/// with two mailboxes: <c>shop</c> (support@northwind.test, read with IDLE) and <c>brand2</c>
/// (hello@brand2.test, polled), and a web-form site <c>forms</c> that asks for confirmation mails.
/// What the host logs at Warning and above is kept in <see cref="Logs"/>.
/// </summary>
public sealed class EmailHostFixture<TStore> : IAsyncLifetime where TStore : IStore, IAsyncLifetime, new()
{
    public const string ShopAddress = "support@northwind.test";
    public const string BrandAddress = "hello@brand2.test";
    public const string FormsKey = "forms-site-key-0123456789";

    public TStore Store { get; } = new();

    public DovecotServer Imap { get; private set; } = null!;

    public DovecotServer PollingImap { get; private set; } = null!;

    public SmtpStandIn Smtp { get; private set; } = null!;

    public BotFactory Factory { get; private set; } = null!;

    public InterestLog Interests => Factory.Services.GetRequiredService<InterestLog>();

    public CapturingLoggerProvider Logs { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        Imap = await DovecotServer.CreateAsync([ShopAddress]);
        PollingImap = await DovecotServer.CreateAsync([BrandAddress], idle: false);
        Smtp = SmtpStandIn.Start();
        Factory = new BotFactory(Store.ConnectionString, Settings(Imap, Smtp, PollingImap), services => services.AddSingleton<ILoggerProvider>(Logs));
        _ = Factory.Server;
    }

    /// <summary>The host's settings for mailbox <c>shop</c> on <paramref name="imap"/> (and <c>brand2</c> when a polling server is given).</summary>
    public static Dictionary<string, string?> Settings(DovecotServer imap, SmtpStandIn smtp, DovecotServer? polling = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Outbox:FirstRetrySeconds"] = "0.05",
            ["Outbox:MaxAttempts"] = "3",
            ["Channels:Email:LeaseSeconds"] = "10",
            ["Channels:Email:MaxMessageBytes"] = "65536",
            ["Channels:Email:MaxBotRepliesPerAddressPerHour"] = "3",
            ["Channels:Email:MaxAttemptsPerMail"] = "3",
            ["Channels:Email:Confirmations:FirstRetrySeconds"] = "0.1",
            ["Channels:Email:Confirmations:MaxRetrySeconds"] = "0.5",
            ["Intake:Sites:0:Name"] = "forms",
            ["Intake:Sites:0:Key"] = FormsKey,
            ["Intake:Sites:0:ConfirmationEmail"] = "true",
            ["Intake:RequestsPerMinutePerIp"] = "100000",
        };
        Mailbox(settings, 0, "shop", ShopAddress, imap.Port, smtp.Port, pollSeconds: 60);
        if (polling is not null)
        {
            Mailbox(settings, 1, "brand2", BrandAddress, polling.Port, smtp.Port, pollSeconds: 5);
        }

        return settings;
    }

    private static void Mailbox(Dictionary<string, string?> settings, int i, string name, string address, int imapPort, int smtpPort, int pollSeconds)
    {
        var p = $"Channels:Email:Mailboxes:{i}:";
        settings[p + "Name"] = name;
        settings[p + "Address"] = address;
        settings[p + "DisplayName"] = name == "shop" ? "Northwind Support" : "Brand Two";
        settings[p + "PollSeconds"] = pollSeconds.ToString(CultureInfo.InvariantCulture);
        settings[p + "Imap:Host"] = "127.0.0.1";
        settings[p + "Imap:Port"] = imapPort.ToString(CultureInfo.InvariantCulture);
        settings[p + "Imap:Security"] = "none";
        settings[p + "Imap:User"] = address;
        settings[p + "Imap:Password"] = DovecotServer.Password;
        settings[p + "Smtp:Host"] = "127.0.0.1";
        settings[p + "Smtp:Port"] = smtpPort.ToString(CultureInfo.InvariantCulture);
        settings[p + "Smtp:Security"] = "none";
        settings[p + "Smtp:User"] = SmtpStandIn.User;
        settings[p + "Smtp:Password"] = SmtpStandIn.Password;
    }

    /// <summary>A customer's mail with its own Message-ID.</summary>
    public static MimeMessage Mail(string from, string subject, string? text, string? html = null, MimeMessage? replyTo = null, string to = ShopAddress)
    {
        var message = new MimeMessage
        {
            Subject = subject,
            MessageId = Guid.NewGuid().ToString("N") + "@client.example",
            Date = DateTimeOffset.UtcNow,
        };
        message.From.Add(new MailboxAddress(NameOf(from), from));
        message.To.Add(MailboxAddress.Parse(to));
        if (replyTo is not null)
        {
            message.InReplyTo = replyTo.MessageId!;
            foreach (var reference in replyTo.References)
            {
                message.References.Add(reference);
            }

            message.References.Add(replyTo.MessageId!);
        }

        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        return message;
    }

    /// <summary>Posts a web form to the <c>forms</c> site as JSON; returns the record id of the 202.</summary>
    public static async Task<string> SubmitFormAsync(BotFactory factory, object form, string? idempotencyKey = null, string? acceptLanguage = null)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, IntakeSetup.FormPath) { Content = JsonContent.Create(form) };
        request.Headers.Add("X-Api-Key", FormsKey);
        if (idempotencyKey is not null)
        {
            request.Headers.Add(FormIntake.IdempotencyHeader, idempotencyKey);
        }

        if (acceptLanguage is not null)
        {
            request.Headers.Add("Accept-Language", acceptLanguage);
        }

        using var response = await client.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    /// <summary>Waits until no form confirmation is queued or in hand: one leaves the queue only after its send finished.</summary>
    public static async Task ConfirmationsDoneAsync(BotFactory factory)
    {
        var redis = factory.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        Assert.Equal(0L, await EventuallyAsync(() => redis.SortedSetLengthAsync(EmailKeys.ConfirmationsDue), n => n == 0));
    }

    /// <summary>A fresh customer address, so tests sharing the host do not meet.</summary>
    public static string NewCustomer(string name = "anna") => $"{name}.{Guid.NewGuid().ToString("N")[..8]}@example.com";

    private static string NameOf(string address) => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(address.Split('.', '@')[0]) + " Tester";

    /// <summary>The record a new mail (no thread) makes.</summary>
    public Task<InterestRecord?> RecordOfNewMailAsync(MimeMessage mail, string mailbox = "shop") =>
        EventuallyAsync(() => Interests.GetAsync(InterestLog.RecordId("in", EmailIntake.ConversationOf(mailbox, mail.MessageId!), mail.MessageId!)), r => r is not null);

    /// <summary>Waits until <paramref name="condition"/> holds (mail and the pipeline work asynchronously); generous for a loaded machine.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, int timeoutMs = 60_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var value = await probe();
            if (condition(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(50, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Smtp.DisposeAsync();
        await Imap.DisposeAsync();
        await PollingImap.DisposeAsync();
        await Store.DisposeAsync();
    }
}
