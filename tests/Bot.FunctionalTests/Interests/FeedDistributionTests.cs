using SupportBot.FunctionalTests.Infrastructure;

namespace SupportBot.FunctionalTests.Interests;

/// <summary>A store and a host that hands new records to agents on duty (<c>Interests:Distribution</c>).</summary>
public abstract class DistributionHostFixture<TStore>(string mode) : IAsyncLifetime where TStore : IStore, IAsyncLifetime, new()
{
    public TStore Store { get; } = new();

    public BotFactory Factory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        Factory = new BotFactory(Store.ConnectionString, new Dictionary<string, string?> { ["Interests:Distribution"] = mode });
        _ = Factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Store.DisposeAsync();
    }
}

public sealed class RoundRobinHostFixture<TStore>() : DistributionHostFixture<TStore>("RoundRobin") where TStore : IStore, IAsyncLifetime, new();

public sealed class LeastLoadedHostFixture<TStore>() : DistributionHostFixture<TStore>("LeastLoaded") where TStore : IStore, IAsyncLifetime, new();

public sealed class FeedRoundRobinOnRedisTests(RoundRobinHostFixture<RedisServerFixture> host) : IClassFixture<RoundRobinHostFixture<RedisServerFixture>>
{
    [Fact]
    public Task NewOpenRecords_TakeTurnsAmongAgentsOnDuty_AnsweredAndOffDutyLeftOut() => FeedDistributionChecks.RoundRobinAsync(host.Factory);
}

public sealed class FeedRoundRobinOnGarnetTests(RoundRobinHostFixture<GarnetFixture> host) : IClassFixture<RoundRobinHostFixture<GarnetFixture>>
{
    [Fact]
    public Task NewOpenRecords_TakeTurnsAmongAgentsOnDuty_AnsweredAndOffDutyLeftOut() => FeedDistributionChecks.RoundRobinAsync(host.Factory);
}

public sealed class FeedLeastLoadedOnRedisTests(LeastLoadedHostFixture<RedisServerFixture> host) : IClassFixture<LeastLoadedHostFixture<RedisServerFixture>>
{
    [Fact]
    public Task NewOpenRecord_GoesToTheAgentWithFewestOpenRecords() => FeedDistributionChecks.LeastLoadedAsync(host.Factory);
}

public sealed class FeedLeastLoadedOnGarnetTests(LeastLoadedHostFixture<GarnetFixture> host) : IClassFixture<LeastLoadedHostFixture<GarnetFixture>>
{
    [Fact]
    public Task NewOpenRecord_GoesToTheAgentWithFewestOpenRecords() => FeedDistributionChecks.LeastLoadedAsync(host.Factory);
}

internal static class FeedDistributionChecks
{
    public static async Task RoundRobinAsync(BotFactory factory)
    {
        var feed = new FeedSupport(factory);
        await using var ann = new AgentTestClient(factory, "rr-ann");
        await using var bob = new AgentTestClient(factory, "rr-bob");
        await using var cat = new AgentTestClient(factory, "rr-cat");
        await ann.OnlineAsync();
        await bob.OnlineAsync();
        (await cat.SetPresenceAsync("away")).EnsureSuccessStatusCode();

        var given = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var record = await feed.SeedAsync($"question {i}");
            given.Add((await feed.RecordAsync(record.Id))["responsible"]!.GetValue<string>());
        }

        var answered = await feed.SeedAsync("thanks!", processed: true);
        var queued = await feed.SeedAsync("I want a human", responsible: "queue");

        Assert.Equal(2, given.Count(g => g == "agent:rr-ann"));
        Assert.Equal(2, given.Count(g => g == "agent:rr-bob"));
        Assert.NotEqual(given[0], given[1]);
        Assert.Equal("bot", (await feed.RecordAsync(answered.Id))["responsible"]!.GetValue<string>());
        Assert.Equal("queue", (await feed.RecordAsync(queued.Id))["responsible"]!.GetValue<string>());
    }

    public static async Task LeastLoadedAsync(BotFactory factory)
    {
        var feed = new FeedSupport(factory);
        await using var dan = new AgentTestClient(factory, "ll-dan");
        await using var eve = new AgentTestClient(factory, "ll-eve");
        await dan.OnlineAsync();
        var first = await feed.SeedAsync("first");
        var second = await feed.SeedAsync("second");
        Assert.Equal("agent:ll-dan", (await feed.RecordAsync(second.Id))["responsible"]!.GetValue<string>());
        await eve.OnlineAsync();

        var third = await feed.SeedAsync("third");
        (await feed.Api("ll-dan").PostAsync($"/api/interests/{first.Id}/processed", System.Net.Http.Json.JsonContent.Create(FeedSupport.Json("note", "done")), TestCancellation.Ct)).EnsureSuccessStatusCode();
        (await feed.Api("ll-dan").PostAsync($"/api/interests/{second.Id}/processed", System.Net.Http.Json.JsonContent.Create(FeedSupport.Json("note", "done")), TestCancellation.Ct)).EnsureSuccessStatusCode();
        var fourth = await feed.SeedAsync("fourth");

        Assert.Equal("agent:ll-eve", (await feed.RecordAsync(third.Id))["responsible"]!.GetValue<string>()); // dan had two open
        Assert.Equal("agent:ll-dan", (await feed.RecordAsync(fourth.Id))["responsible"]!.GetValue<string>()); // dan's are done, eve has one
    }
}
