using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using SupportBot.Channels.Email;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Channels.Email.EmailHostFixture<SupportBot.TestSupport.RedisServerFixture>;

namespace SupportBot.FunctionalTests.Channels.Email;

public sealed class FormConfirmationOnRedisTests(EmailHostFixture<RedisServerFixture> host)
    : FormConfirmationTests<RedisServerFixture>(host), IClassFixture<EmailHostFixture<RedisServerFixture>>;

public sealed class FormConfirmationOnGarnetTests(EmailHostFixture<GarnetFixture> host)
    : FormConfirmationTests<GarnetFixture>(host), IClassFixture<EmailHostFixture<GarnetFixture>>;

/// <summary>
/// Web forms on a site with <c>ConfirmationEmail</c> on: the author gets one mail through the mailbox's real SMTP
/// server (the loopback stand-in), queued in Redis and sent in the background.
/// </summary>
public abstract class FormConfirmationTests<TStore>(EmailHostFixture<TStore> host) where TStore : IStore, IAsyncLifetime, new()
{
    private readonly SmtpStandIn _smtp = host.Smtp;

    public static TheoryData<string, string?, string, string> Languages => new()
    {
        // form text, Accept-Language, expected subject, expected text
        { "Please send me the price list for the grill.", null, "We received your message", "Thank you, Anna Tester. We received your message about Grill 2000 and will get back to you soon." },
        { "Пожалуйста, пришлите прайс-лист на гриль.", null, "Мы получили ваше сообщение", "Спасибо, Anna Tester! Мы получили ваше сообщение по поводу «Grill 2000» и скоро свяжемся с вами." },
        { "", "de-DE,de;q=0.9,en;q=0.5", "Wir haben Ihre Nachricht erhalten", "Vielen Dank, Anna Tester! Wir haben Ihre Nachricht zu „Grill 2000“ erhalten und melden uns bald bei Ihnen." },
    };

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task Form_AuthorGetsOneMailInTheirLanguage_FromTheMailbox(string text, string? acceptLanguage, string subject, string body)
    {
        var author = NewCustomer();

        var id = await SubmitAsync(new { action = "form", page = "https://shop.example/grill", name = "Anna Tester", email = author, text = text.Length > 0 ? text : null, product = "Grill 2000" }, acceptLanguage: acceptLanguage);

        var mail = Assert.Single(await _smtp.WaitForAsync(author));
        Assert.Equal(EmailHostFixture<TStore>.ShopAddress, mail.From.Mailboxes.Single().Address);
        Assert.Equal("Northwind Support", mail.From.Mailboxes.Single().Name);
        Assert.Equal("Anna Tester", mail.To.Mailboxes.Single().Name);
        Assert.Equal(subject, mail.Subject);
        Assert.Equal(body, mail.TextBody!.Trim());
        Assert.Equal("auto-generated", mail.Headers["Auto-Submitted"]);
        Assert.NotNull(await host.Interests.GetAsync(id));
        await QueueEmptyAsync();
        Assert.Single(_smtp.To(author));
    }

    [Fact]
    public async Task Form_NoProductAndMarkupInTheName_SentenceWithoutProduct_NameEscapedInHtml()
    {
        var author = NewCustomer("markup");

        await SubmitAsync(new { action = "request", page = "https://shop.example/contact", name = "Bob <b>&amp;</b>", email = author });

        var mail = Assert.Single(await _smtp.WaitForAsync(author));
        Assert.Equal("Thank you, Bob <b>&amp;</b>. We received your message and will get back to you soon.", mail.TextBody!.Trim());
        Assert.Contains("Bob &lt;b&gt;&amp;amp;&lt;/b&gt;", mail.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", mail.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepeatedSubmission_ByIdempotencyKeyOrSameContent_NoSecondMail()
    {
        var author = NewCustomer("repeat");
        var form = new { action = "form", page = "https://shop.example/contact", name = "Rita", email = author, text = "Do you deliver to Vienna?" };
        var key = Guid.NewGuid().ToString("N");

        var id = await SubmitAsync(form, key);
        await _smtp.WaitForAsync(author);
        Assert.Equal(id, await SubmitAsync(form, key));
        Assert.Equal(id, await SubmitAsync(form));

        // The repeats were answered after anything they queued; once the queue is empty every send has finished.
        await QueueEmptyAsync();
        Assert.Single(_smtp.To(author));
    }

    [Fact]
    public async Task SmtpServerSaysTryLater_MailArrivesOnceItTakesIt()
    {
        var author = NewCustomer("later");
        _smtp.Refuse(author, 451, times: 2);

        await SubmitAsync(new { action = "form", page = "https://shop.example/contact", email = author, text = "Is the kettle back in stock?" });

        Assert.Single(await _smtp.WaitForAsync(author));
        await QueueEmptyAsync();
        Assert.Single(_smtp.To(author));
        Assert.Equal(3, _smtp.AttemptsTo(author));
    }

    [Fact]
    public async Task SmtpServerRefusesForGood_Dropped_WarningNamesTheRecordNotTheAddress()
    {
        var author = NewCustomer("refused");
        _smtp.Refuse(author, 550);

        var id = await SubmitAsync(new { action = "form", page = "https://shop.example/contact", email = author, text = "Please call me back." });

        var dropped = await EventuallyAsync(
            () => Task.FromResult(host.Logs.Entries.FirstOrDefault(e => e.Category == typeof(FormConfirmationMailer).FullName && e.Message.Contains(id, StringComparison.Ordinal))),
            e => e is not null);
        Assert.NotNull(dropped);
        Assert.Equal(LogLevel.Warning, dropped.Level);
        Assert.Contains("dropped", dropped.Message, StringComparison.Ordinal);
        Assert.Contains("550", dropped.Message, StringComparison.Ordinal);
        await QueueEmptyAsync();
        Assert.Equal(1, _smtp.AttemptsTo(author));
        Assert.Empty(_smtp.To(author));
        Assert.DoesNotContain(host.Logs.Entries, e => e.Message.Contains(author, StringComparison.OrdinalIgnoreCase));
    }

    private Task<string> SubmitAsync(object form, string? idempotencyKey = null, string? acceptLanguage = null) =>
        SubmitFormAsync(host.Factory, form, idempotencyKey, acceptLanguage);

    private Task QueueEmptyAsync() => ConfirmationsDoneAsync(host.Factory);
}

/// <summary>A site asks for confirmations but no mailbox is configured: start-up says so, and forms are still taken.</summary>
public sealed class FormConfirmationWithoutMailboxTests : IAsyncLifetime
{
    private readonly GarnetFixture _store = new();
    private readonly CapturingLoggerProvider _logs = new();
    private BotFactory _factory = null!;

    public async ValueTask InitializeAsync()
    {
        await _store.InitializeAsync();
        _factory = new BotFactory(
            _store.ConnectionString,
            new Dictionary<string, string?>
            {
                ["Intake:Sites:0:Name"] = "plain",
                ["Intake:Sites:0:Key"] = "plain-site-key-0123456789",
                ["Intake:Sites:1:Name"] = "forms",
                ["Intake:Sites:1:Key"] = FormsKey,
                ["Intake:Sites:1:ConfirmationEmail"] = "true",
            },
            services => services.AddSingleton<ILoggerProvider>(_logs));
        _ = _factory.Server;
    }

    [Fact]
    public async Task ConfirmationOn_NoMailbox_StartUpWarnsNamingTheSetting_FormStill202()
    {
        await EventuallyAsync(() => Task.FromResult(_logs.Entries.Any(e => e.Message.Contains("ConfirmationEmail", StringComparison.Ordinal))), found => found);
        var warning = Assert.Single(_logs.Entries, e => e.Message.Contains("ConfirmationEmail", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("Intake:Sites:1:ConfirmationEmail", warning.Message, StringComparison.Ordinal);

        var id = await SubmitFormAsync(_factory, new { action = "form", page = "https://shop.example/contact", email = NewCustomer("nobox"), text = "Hello" });
        Assert.NotNull(await _factory.Services.GetRequiredService<SupportBot.Interests.InterestLog>().GetAsync(id));
        var redis = _factory.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        Assert.Equal(0L, await redis.SortedSetLengthAsync(EmailKeys.ConfirmationsDue));
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _store.DisposeAsync();
    }
}
