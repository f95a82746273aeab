using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.FunctionalTests.Interests;

namespace SupportBot.FunctionalTests.Export;

/// <summary>A real Redis and a receiver; each test starts its own host instances on them.</summary>
public sealed class InstancesFixture : IAsyncLifetime
{
    public RedisServerFixture Store { get; } = new();

    public WebhookReceiver Receiver { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        await Receiver.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Receiver.DisposeAsync();
        await Store.DisposeAsync();
    }
}

/// <summary>Several host instances share the queue: each event goes out once, and one a stopped host had not sent is sent after it.</summary>
public sealed class WebhookInstancesTests(InstancesFixture shared) : IClassFixture<InstancesFixture>
{
    [Fact]
    public async Task TwoInstances_EveryEventDeliveredExactlyOnce()
    {
        await using var a = ExportHostFixture<RedisServerFixture>.CreateHost(shared.Store.ConnectionString, shared.Receiver, maxAttempts: 1000);
        await using var b = ExportHostFixture<RedisServerFixture>.CreateHost(shared.Store.ConnectionString, shared.Receiver, maxAttempts: 1000);
        var word = FeedSupport.UniqueWord();
        var seeding = Enumerable.Range(0, 40).Select(i => new FeedSupport(i % 2 == 0 ? a : b).SeedAsync($"Question {i} {word}"));
        var records = (await Task.WhenAll(seeding)).Select(r => r.Id).ToHashSet();

        await Eventually.UntilAsync(
            () => Task.FromResult(shared.Receiver.Received.Where(r => records.Contains(r.RecordId)).Select(r => r.RecordId).ToHashSet()),
            arrived => arrived.SetEquals(records), "every record at the receiver");
        await Eventually.UntilAsync(() => ExportHostFixture<RedisServerFixture>.StatusAsync(a), s => s.Status["pending"]!.GetValue<long>() == 0, "nothing left to deliver");

        var deliveries = shared.Receiver.Received.Where(r => records.Contains(r.RecordId)).ToList();
        Assert.Equal(records.Count, deliveries.Count); // nothing is left that could arrive a second time
        Assert.Equal(deliveries.Count, deliveries.Select(d => d.Id).Distinct().Count());
    }

    [Fact]
    public async Task HostStopsWhileTheReceiverIsDown_TheNextHostDeliversTheEvent()
    {
        await shared.Receiver.StopAsync();
        string recordId;
        await using (var first = ExportHostFixture<RedisServerFixture>.CreateHost(shared.Store.ConnectionString, shared.Receiver, maxAttempts: 1000))
        {
            var since = DateTimeOffset.UtcNow.AddSeconds(-1);
            recordId = (await new FeedSupport(first).SeedAsync("Before the restart " + FeedSupport.UniqueWord())).Id;
            await Eventually.UntilAsync(
                () => ExportHostFixture<RedisServerFixture>.StatusAsync(first),
                s => s.Crm["lastErrorAt"]?.GetValue<DateTimeOffset>() > since,
                "a failed round before the host stops");
        }

        await shared.Receiver.StartAsync();
        await using var second = ExportHostFixture<RedisServerFixture>.CreateHost(shared.Store.ConnectionString, shared.Receiver, maxAttempts: 1000);
        _ = second.Server;

        var delivery = (await Eventually.ReceivedAsync(shared.Receiver, r => r.RecordId == recordId, "the record from the host that stopped")).Single();
        Assert.Equal(WebhookReceiver.ExpectedSignature(delivery.Body), delivery.Signature);
    }
}
