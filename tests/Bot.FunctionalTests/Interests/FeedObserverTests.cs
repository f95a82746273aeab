using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Interests;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Interests;

/// <summary>A store and a host with an observer that writes down what the interest log tells it.</summary>
public sealed class ObservedHostFixture : IAsyncLifetime
{
    public RedisServerFixture Store { get; } = new();

    public RecordingObserver Observer { get; } = new();

    public BotFactory Factory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        Factory = new BotFactory(Store.ConnectionString, services: s => s.AddSingleton<IInterestObserver>(Observer));
        _ = Factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Store.DisposeAsync();
    }
}

public sealed class RecordingObserver : IInterestObserver
{
    public ConcurrentQueue<(InterestRecord Before, InterestRecord After)> Changes { get; } = new();

    public Task RecordAddedAsync(InterestRecord record) => Task.CompletedTask;

    public Task RecordChangedAsync(InterestRecord before, InterestRecord after)
    {
        Changes.Enqueue((before, after));
        return Task.CompletedTask;
    }
}

/// <summary>Whatever watches the log (reports, CRM export) hears of every change people make to a record, once.</summary>
public sealed class FeedObserverTests(ObservedHostFixture host) : IClassFixture<ObservedHostFixture>
{
    [Fact]
    public async Task TakeAndProcessed_EachToldOnce_WithTheRecordBeforeAndAfter()
    {
        var feed = new FeedSupport(host.Factory);
        var record = await feed.SeedAsync("Can I change my delivery address?");
        var api = feed.Api("obs-ann");

        (await api.PostAsync($"/api/interests/{record.Id}/take", null, Ct)).EnsureSuccessStatusCode();
        (await api.PostAsync($"/api/interests/{record.Id}/take", null, Ct)).EnsureSuccessStatusCode(); // no change, nothing to tell
        (await api.PostAsJsonAsync($"/api/interests/{record.Id}/processed", FeedSupport.Json("note", "Changed it"), Ct)).EnsureSuccessStatusCode();

        var changes = host.Observer.Changes.Where(c => c.After.Id == record.Id).ToList();
        Assert.Equal(2, changes.Count);
        Assert.Equal(("bot", "agent:obs-ann"), (changes[0].Before.Responsible, changes[0].After.Responsible));
        Assert.Equal((false, true), (changes[1].Before.Processed, changes[1].After.Processed));
        Assert.Equal("Changed it", changes[1].After.ProcessedNote);
    }
}
