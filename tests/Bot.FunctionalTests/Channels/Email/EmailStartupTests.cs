using System.Net;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Channels.Email.EmailHostFixture<SupportBot.TestSupport.RedisServerFixture>;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Channels.Email;

/// <summary>The host as its own process: a wrong mailbox setting stops it with the setting's path; a mail server that is down does not.</summary>
public sealed class EmailStartupTests
{
    [Fact]
    public async Task Start_BadMailboxSettings_StopsWithOneLineNamingEachSettingAndNoPassword()
    {
        var workDir = Directory.CreateTempSubdirectory("sb-email-").FullName;
        await using var bot = BotProcess.Start(workDir, new Dictionary<string, string>
        {
            ["Storage__DataDir"] = Path.Combine(workDir, "data"),
            ["Channels__Email__Mailboxes__0__Name"] = "shop",
            ["Channels__Email__Mailboxes__0__Address"] = "not-an-address",
            ["Channels__Email__Mailboxes__0__Imap__Host"] = "imap.example.com",
            ["Channels__Email__Mailboxes__0__Imap__Security"] = "tls",
            ["Channels__Email__Mailboxes__0__Imap__Password"] = "supersecret-pw",
            ["Channels__Email__Mailboxes__1__Name"] = "brand2",
            ["Channels__Email__Mailboxes__1__Address"] = "hello@brand2.test",
            ["Channels__Email__Mailboxes__1__Imap__Host"] = "imap.brand2.test",
            ["Channels__Email__Mailboxes__1__Smtp__Host"] = "smtp.brand2.test",
        });

        Assert.Equal(1, await bot.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        var line = Assert.Single(bot.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Start-up stopped:", line, StringComparison.Ordinal);
        Assert.Contains("Channels:Email:Mailboxes:0:Address", line, StringComparison.Ordinal);
        Assert.Contains("Channels:Email:Mailboxes:0:Imap:Security", line, StringComparison.Ordinal);
        Assert.Contains("Channels:Email:Mailboxes:0:Smtp:Host", line, StringComparison.Ordinal);
        Assert.Contains("Channels:Email:Mailboxes:1:Imap:Password", line, StringComparison.Ordinal);
        Assert.DoesNotContain("supersecret-pw", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ImapServerDown_HostReadyChannelRetriesAndReadsOnceTheServerIsUp()
    {
        await using var redis = new RedisServerFixture();
        await redis.InitializeAsync();
        await using var imap = await DovecotServer.CreateAsync([ShopAddress], start: false);
        await using var smtp = SmtpStandIn.Start();
        var environment = Settings(imap, smtp).ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        environment["Redis__Connection"] = redis.ConnectionString;
        var workDir = Directory.CreateTempSubdirectory("sb-email-").FullName;
        await using var bot = BotProcess.Start(workDir, environment);

        await bot.WaitUntilReadyAsync(TimeSpan.FromMinutes(3), Ct); // the FAQ recognizer trains first; the machine may be loaded
        await EventuallyAsync(() => Task.FromResult(bot.StandardOutput), o => o.Contains("E-mail shop: IMAP failed, trying again", StringComparison.Ordinal));
        using var http = new HttpClient { BaseAddress = bot.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz", Ct)).StatusCode);
        Assert.Contains("E-mail shop: IMAP failed, trying again", bot.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(DovecotServer.Password, bot.StandardOutput, StringComparison.Ordinal);

        await imap.StartAsync();
        var customer = NewCustomer();
        var mail = Mail(customer, "Delivery", "How long does delivery take?");
        await imap.DeliverAsync(ShopAddress, mail);

        var reply = Assert.Single(await smtp.WaitForAsync(customer, timeoutMs: 120_000));
        Assert.Equal(mail.MessageId, reply.InReplyTo);
    }
}
