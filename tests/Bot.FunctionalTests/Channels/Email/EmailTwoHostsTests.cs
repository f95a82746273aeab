using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Channels.Email.EmailHostFixture<SupportBot.TestSupport.RedisServerFixture>;

namespace SupportBot.FunctionalTests.Channels.Email;

/// <summary>Two host instances on one Redis read one mailbox: each mail is answered once, and when one instance stops the other reads on.</summary>
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

    public async ValueTask DisposeAsync()
    {
        await _smtp.DisposeAsync();
        await _imap.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
