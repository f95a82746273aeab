using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Channels.Email.EmailHostFixture<SupportBot.TestSupport.RedisServerFixture>;

namespace SupportBot.FunctionalTests.Channels.Email;

/// <summary>Two host instances on one Redis read one mailbox: each mail is answered once, and when one instance stops the other reads on; each form confirmation is mailed once, also after a restart.</summary>
public sealed class EmailTwoHostsTests : IAsyncLifetime
{
    private readonly RedisServerFixture _redis = new();
    private DovecotServer _imap = null!;
    private SmtpStandIn _smtp = null!;

    public async ValueTask InitializeAsync()
    {
        await _redis.InitializeAsync();
        _imap = await DovecotServer.CreateAsync([ShopAddress]);
        _smtp = SmtpStandIn.Start();
    }

    [Fact]
    public async Task TwoInstances_EachMailAnsweredOnce_TheOtherTakesOverWhenOneStops()
    {
        var first = new BotFactory(_redis.ConnectionString, Settings(_imap, _smtp));
        await using var second = new BotFactory(_redis.ConnectionString, Settings(_imap, _smtp));
        _ = first.Server;
        _ = second.Server;

        var customers = Enumerable.Range(0, 4).Select(i => NewCustomer("twin" + i)).ToList();
        foreach (var customer in customers)
        {
            await _imap.DeliverAsync(ShopAddress, Mail(customer, "Delivery", "How long does delivery take?"));
        }

        foreach (var customer in customers)
        {
            await _smtp.WaitForAsync(customer);
        }

        // A mail after the others, answered: everything before it has been handled by then.
        await first.DisposeAsync();
        var late = NewCustomer("late");
        await _imap.DeliverAsync(ShopAddress, Mail(late, "Delivery", "How long does delivery take?"));
        await _smtp.WaitForAsync(late, timeoutMs: 120_000);

        Assert.All(customers.Append(late), c => Assert.Single(_smtp.To(c)));
    }

    [Fact]
    public async Task TwoInstances_EachFormConfirmationMailedOnce()
    {
        await using var first = new BotFactory(_redis.ConnectionString, Settings(_imap, _smtp));
        await using var second = new BotFactory(_redis.ConnectionString, Settings(_imap, _smtp));
        var authors = Enumerable.Range(0, 6).Select(i => NewCustomer("form" + i)).ToList();

        for (var i = 0; i < authors.Count; i++)
        {
            await SubmitFormAsync(i % 2 == 0 ? first : second, new { action = "form", page = "https://shop.example/contact", email = authors[i], text = "Question " + i });
        }

        foreach (var author in authors)
        {
            await _smtp.WaitForAsync(author);
        }

        await ConfirmationsDoneAsync(first); // then no second send can be under way
        Assert.All(authors, a => Assert.Single(_smtp.To(a)));
    }

    [Fact]
    public async Task Restart_AConfirmationTheServerPutOff_IsMailedByTheNextHost()
    {
        var settings = Settings(_imap, _smtp);
        settings["Channels:Email:Confirmations:MaxAttempts"] = "100"; // the first host must not give up before it stops
        var author = NewCustomer("restart");
        _smtp.Refuse(author, 451);
        var first = new BotFactory(_redis.ConnectionString, settings);
        await SubmitFormAsync(first, new { action = "form", page = "https://shop.example/contact", email = author, text = "Before the restart" });

        await EventuallyAsync(() => Task.FromResult(_smtp.AttemptsTo(author)), n => n >= 1);
        await first.DisposeAsync();
        _smtp.Refuse(author, 451, times: 0);

        await using var second = new BotFactory(_redis.ConnectionString, settings);
        _ = second.Server;

        Assert.Single(await _smtp.WaitForAsync(author, timeoutMs: 120_000));
        await ConfirmationsDoneAsync(second);
        Assert.Single(_smtp.To(author));
    }

    public async ValueTask DisposeAsync()
    {
        await _smtp.DisposeAsync();
        await _imap.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
