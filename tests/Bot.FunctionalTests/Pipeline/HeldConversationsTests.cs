using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Handoff;

namespace SupportBot.FunctionalTests.Pipeline;

/// <summary>
/// Conversations that are due but held by another instance (busy there, or left leased by one that crashed) sit at
/// the front of the shared pending set. This instance must look past them to the work it can take.
/// </summary>
public sealed class HeldConversationsTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncDisposable
{
    // Two workers here look at the first few due conversations; far more than that are held elsewhere.
    private readonly BotFactory _host = new(redis.ConnectionString, new Dictionary<string, string?> { ["Pipeline:Workers"] = "2" });

    [Fact]
    public async Task ManyConversationsHeldByAnotherInstance_ANewCustomerIsStillAnsweredAtOnce()
    {
        var db = _host.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var longAgo = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();
        for (var i = 0; i < 40; i++)
        {
            // What an instance killed mid-turn leaves: its conversations due, their leases running for another minute.
            var id = $"webchat:held-elsewhere-{i:D2}";
            await db.SortedSetAddAsync(RedisKeys.PendingConversations, id, longAgo + i);
            await db.StringSetAsync(RedisKeys.Lease(id), "another-instance", TimeSpan.FromMinutes(1));
        }

        var customer = new DirectLineTestClient(_host.CreateClient());
        var chat = await customer.StartAsync();
        await customer.SendAsync(chat, "hello");

        // The greeting and the answer come now, not when the other instance's leases run out a minute later.
        var replies = await customer.WaitForBotMessagesAsync(chat, 2, TimeSpan.FromSeconds(10));
        Assert.Equal(2, replies.Count);

        // The held conversations were left alone: still due, still leased by the other instance.
        Assert.Equal(40, await db.SortedSetLengthAsync(RedisKeys.PendingConversations));
        Assert.Equal("another-instance", (string?)await db.StringGetAsync(RedisKeys.Lease("webchat:held-elsewhere-00")));
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();
}
