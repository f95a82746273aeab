using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using SupportBot.FollowUps;
using SupportBot.FunctionalTests.Infrastructure;

namespace SupportBot.FunctionalTests.FollowUps;

public sealed class FollowUpStoreOnRedisTests(RedisServerFixture store) : FollowUpStoreTests(store), IClassFixture<RedisServerFixture>;

public sealed class FollowUpStoreOnGarnetTests(GarnetFixture store) : FollowUpStoreTests(store), IClassFixture<GarnetFixture>;

/// <summary>Follow-ups on a fake clock: due ones are claimed once, and only when due.</summary>
public abstract class FollowUpStoreTests(IStore server) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private ConnectionMultiplexer? _redis;

    private FakeTimeProvider Clock { get; } = new(Start);

    private FollowUpStore Store { get; set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        await _redis.GetServer(_redis.GetEndPoints()[0]).FlushDatabaseAsync();
        Store = new FollowUpStore(_redis, Clock);
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task NotDueYet_NothingClaimed_WhenDue_ClaimedOnceAcrossManyClaimers()
    {
        var followUp = await Store.CreateAsync("olga", "0123456789abcdef", null, "Call Alice back", Start.AddHours(1));
        Assert.Empty(await Store.ClaimDueAsync());

        Clock.Advance(TimeSpan.FromHours(1));
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Store.ClaimDueAsync()));

        var claimed = Assert.Single(claims.SelectMany(c => c));
        Assert.Equal(followUp.Id, claimed.Id);
        Assert.Equal(Start.AddHours(1), claimed.RemindedAt);
        Assert.Empty(await Store.ClaimDueAsync());
        Assert.Equal(FollowUpStatus.Open, Assert.Single(await Store.ListAsync("olga", FollowUpStatus.Open)).Status);
    }

    [Fact]
    public async Task ClaimedButNeverDelivered_ClaimedAgainAfterTheClaimLease()
    {
        var followUp = await Store.CreateAsync("olga", null, null, "Call Bob back", Start.AddMinutes(1));
        Clock.Advance(TimeSpan.FromMinutes(1));

        // The instance that claims it stops (a deploy) before it sends the reminder.
        Assert.Equal(followUp.Id, Assert.Single(await Store.ClaimDueAsync()).Id);
        Clock.Advance(FollowUpStore.ClaimLease / 2);
        Assert.Empty(await Store.ClaimDueAsync());

        Clock.Advance(FollowUpStore.ClaimLease);
        Assert.Equal(followUp.Id, Assert.Single(await Store.ClaimDueAsync()).Id);
    }

    [Fact]
    public async Task Delivered_NeverClaimedAgain()
    {
        await Store.CreateAsync("olga", null, null, "Call Carol back", Start.AddMinutes(1));
        Clock.Advance(TimeSpan.FromMinutes(1));
        var reminder = new FollowUpReminder(
            Store, _redis!, [], Microsoft.Extensions.Options.Options.Create(new FollowUpsOptions()), Clock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<FollowUpReminder>.Instance);

        Assert.Equal(1, await reminder.RemindDueAsync(CancellationToken.None));
        Clock.Advance(FollowUpStore.ClaimLease * 3);
        Assert.Equal(0, await reminder.RemindDueAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Done_LeavesOpenList_NeverReminded_Delete_Removes()
    {
        var first = await Store.CreateAsync("olga", null, "in-abc", "Check the refund", Start.AddMinutes(10));
        var second = await Store.CreateAsync("olga", null, "in-abc", "Second", Start.AddMinutes(5));
        Assert.Equal([second.Id, first.Id], (await Store.ListAsync("olga", FollowUpStatus.Open)).Select(f => f.Id));

        Assert.True(await Store.DoneAsync(first.Id, "olga"));
        Assert.False(await Store.DoneAsync(second.Id, "ivan"));
        Clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(second.Id, Assert.Single(await Store.ClaimDueAsync()).Id);
        var done = Assert.Single(await Store.ListAsync("olga", FollowUpStatus.Done));
        Assert.Equal(first.Id, done.Id);
        Assert.Equal(Start, done.DoneAt);

        Assert.True(await Store.DeleteAsync(second.Id, "olga"));
        Assert.Null(await Store.GetAsync(second.Id));
        Assert.Empty(await Store.ListAsync("olga", FollowUpStatus.Open));
    }
}
