using SupportBot.Contracts;
using SupportBot.Dialogs.Engine;
using SupportBot.Dialogs.Tests.Infrastructure;

using static SupportBot.Dialogs.Tests.Infrastructure.TestCancellation;

using static SupportBot.Dialogs.Tests.Infrastructure.TestActivities;

namespace SupportBot.Dialogs.Tests.Engine;

public sealed class RedisDialogStateStoreTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private RedisDialogStateStore Store() => new(redis.Redis.GetDatabase());

    [Fact]
    public async Task SaveAndLoad_RoundTrip_WithVersionAndTtl()
    {
        var store = Store();
        var id = "rt-" + Guid.NewGuid().ToString("N");
        Assert.Equal(default, await store.LoadAsync(id, Ct));
        await store.SaveAsync(id, "{\"v\":1,\"s\":[]}"u8.ToArray(), 0, Ct);
        var loaded = await store.LoadAsync(id, Ct);
        Assert.Equal(1, loaded.Version);
        Assert.Equal("{\"v\":1,\"s\":[]}", System.Text.Encoding.UTF8.GetString(loaded.Json.Span));
        var ttl = await redis.Redis.GetDatabase().KeyTimeToLiveAsync(RedisDialogStateStore.KeyFor(id));
        Assert.NotNull(ttl);
        Assert.Equal("{c:" + id + "}:dialogs", RedisDialogStateStore.KeyFor(id).ToString());
    }

    [Fact]
    public async Task StaleSave_ThrowsConcurrencyException_AndKeepsTheNewerValue()
    {
        var store = Store();
        var id = "cas-" + Guid.NewGuid().ToString("N");
        await store.SaveAsync(id, "{\"v\":1,\"s\":[]}"u8.ToArray(), 0, Ct);
        await store.SaveAsync(id, "{\"v\":2,\"s\":[]}"u8.ToArray(), 1, Ct);
        var conflict = await Assert.ThrowsAsync<ConcurrencyException>(() => store.SaveAsync(id, "{\"v\":2,\"s\":[{\"i\":\"x\"}]}"u8.ToArray(), 1, Ct).AsTask());
        Assert.Equal(2, conflict.ActualVersion);
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.SaveAsync(id, "{\"v\":1,\"s\":[]}"u8.ToArray(), 0, Ct).AsTask());
        Assert.Equal("{\"v\":2,\"s\":[]}", System.Text.Encoding.UTF8.GetString((await store.LoadAsync(id, Ct)).Json.Span));
    }

    [Fact]
    public async Task ConcurrentTurns_InOneConversation_LoseNothing()
    {
        const int Turns = 40;
        var store = Store();
        var id = "conc-" + Guid.NewGuid().ToString("N");
        var runner = new DialogRunner(CounterDialog.CreateSet(), CounterDialog.DialogId, new DialogRunnerOptions { MaxConflictRetries = 1000 });
        // several "hosts" at once, each with its own runner, all on the same conversation
        var tasks = Enumerable.Range(0, Turns).Select(i => Task.Run(async () =>
            await new DialogRunner(CounterDialog.CreateSet(), CounterDialog.DialogId, new DialogRunnerOptions { MaxConflictRetries = 1000 })
                .RunAsync(Message("m" + i, id), store, Ct), Ct)).ToArray();
        var results = await Task.WhenAll(tasks);

        // every turn saw a distinct count: no two turns were built on the same state
        var counts = results.Select(r => Assert.Single(r.Replies).Text).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Enumerable.Range(1, Turns).Select(n => "count=" + n).Order(StringComparer.Ordinal), counts);
        var saved = await store.LoadAsync(id, Ct);
        Assert.Equal(Turns, saved.Version);
        Assert.Equal(Turns, runner.Load(saved).Stack[0].State);
    }

    [Fact]
    public async Task NearCache_StaleEntry_IsCaughtByTheCompareAndSet_AndTheTurnRunsAgain()
    {
        var id = "near-" + Guid.NewGuid().ToString("N");
        var hostA = new RedisDialogStateStore(redis.Redis.GetDatabase(), nearCacheCapacity: 100);
        var hostB = new RedisDialogStateStore(redis.Redis.GetDatabase(), nearCacheCapacity: 100);
        var runner = new DialogRunner(CounterDialog.CreateSet(), CounterDialog.DialogId);
        await runner.RunAsync(Message("1", id), hostA, Ct); // A caches version 1
        await runner.RunAsync(Message("2", id), hostB, Ct); // B loads from Redis, saves version 2
        var result = await runner.RunAsync(Message("3", id), hostA, Ct); // A's cache is stale
        Assert.Equal(1, result.Conflicts);
        Assert.Equal("count=3", Assert.Single(result.Replies).Text);
        Assert.Equal(3, (await new RedisDialogStateStore(redis.Redis.GetDatabase()).LoadAsync(id, Ct)).Version);
    }

    [Fact]
    public async Task IntakeDialog_RunsEndToEnd_OnRedis() =>
        await new ConversationFlow(IntakeDialog.CreateSet(), IntakeDialog.DialogId, store: Store(), conversationId: "flow-" + Guid.NewGuid().ToString("N"))
            .Send("hi").AssertReply("What is your name?")
            .Send("Alice").AssertReply("What can I help with?")
            .Send("Returns").AssertReply("Shall I open a request about Returns for Alice?")
            .Send("yes").AssertReply("Done: request for Alice about Returns (confirmed=true)")
            .StartTestAsync();
}
